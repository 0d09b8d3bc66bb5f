-- The key_informants repeat group: one row per informant, keyed by the parent submission
-- and the informant's position in the repeat. Names and phone numbers follow the form
-- registry's personal-data policy (dropped unless the registry says otherwise).
{% for form in kobo_forms_of_kind('dtm_locality') %}
{%- if not loop.first %}

union all
{% endif %}
select
    source._id as submission_id,
    cast(informant.key as integer) + 1 as informant_position,
    {{ personal_field('dtm_locality', 'key_informants/ki_name', kobo_text('key_informants/ki_name', 'informant.value', form=form), 'informant_name', form=form) }}
    {{ personal_field('dtm_locality', 'key_informants/ki_phone', kobo_text('key_informants/ki_phone', 'informant.value', form=form), 'informant_phone', form=form) }}
    {{ kobo_text('key_informants/ki_role', 'informant.value', form=form) }} as informant_role,
    {{ kobo_text('key_informants/ki_sex', 'informant.value', form=form) }} as informant_sex,
    {{ kobo_int('key_informants/ki_idp_estimate', 'informant.value', form=form) }} as informant_idp_estimate
from {{ kobo_submissions(form) }} as source, json_each(source.payload, {{ kobo_json_path('key_informants', form) }}) as informant
{%- endfor %}
