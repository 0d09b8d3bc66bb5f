-- The travel_group repeat: one row per person travelling with the respondent, keyed by the
-- interview and the member's position in the repeat.
{% for form in kobo_forms_of_kind('dtm_flow_survey') %}
{%- if not loop.first %}

union all
{% endif %}
select
    source._id as submission_id,
    cast(member.key as integer) + 1 as member_position,
    {{ kobo_text('travel_group/member_sex', 'member.value', form=form) }} as member_sex,
    {{ kobo_int('travel_group/member_age', 'member.value', form=form) }} as member_age,
    {{ kobo_text('travel_group/member_relationship', 'member.value', form=form) }} as member_relationship,
    coalesce(json_array_length(member.value -> {{ kobo_json_path('travel_group/documents', form) }}), 0) as documents_listed
from {{ kobo_submissions(form) }} as source, json_each(source.payload, {{ kobo_json_path('travel_group', form) }}) as member
{%- endfor %}
