-- The documents repeat nested in travel_group: one row per identity document a member of
-- the travel group carries, keyed by the interview, the member and the document's position.
{% for form in kobo_forms_of_kind('dtm_flow_survey') %}
{%- if not loop.first %}

union all
{% endif %}
select
    source._id as submission_id,
    cast(member.key as integer) + 1 as member_position,
    cast(document.key as integer) + 1 as document_position,
    {{ kobo_text('travel_group/documents/doc_type', 'document.value', form=form) }} as document_type
from {{ kobo_submissions(form) }} as source,
    json_each(source.payload, {{ kobo_json_path('travel_group', form) }}) as member,
    json_each(member.value, {{ kobo_json_path('travel_group/documents', form) }}) as document
{%- endfor %}
