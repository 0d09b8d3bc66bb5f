-- The beneficiaries repeat (attendance list): one row per person attending a session, keyed
-- by the session and the person's position in the list. Names are dropped; national ID
-- numbers and phones are pseudonymized (keyed hash) as the form registry declares, so a
-- person can be counted once across activities without anyone seeing who they are.
{% for form in kobo_forms_of_kind('me_activity') %}
{%- if not loop.first %}

union all
{% endif %}
select
    source._id as submission_id,
    cast(beneficiary.key as integer) + 1 as beneficiary_position,
    {{ personal_field('me_activity', 'beneficiaries/ben_name', kobo_text('beneficiaries/ben_name', 'beneficiary.value', form=form), 'beneficiary_name', form=form) }}
    {{ personal_field('me_activity', 'beneficiaries/ben_national_id', kobo_text('beneficiaries/ben_national_id', 'beneficiary.value', form=form), 'beneficiary_national_id', form=form) }}
    {{ personal_field('me_activity', 'beneficiaries/ben_phone', kobo_text('beneficiaries/ben_phone', 'beneficiary.value', form=form), 'beneficiary_phone', form=form) }}
    {{ kobo_text('beneficiaries/ben_sex', 'beneficiary.value', form=form) }} as beneficiary_sex,
    {{ kobo_int('beneficiaries/ben_age', 'beneficiary.value', form=form) }} as beneficiary_age,
    {{ kobo_text('beneficiaries/ben_displacement', 'beneficiary.value', form=form) }} as displacement_status,
    {{ kobo_yes_no('beneficiaries/ben_disability', 'beneficiary.value', form=form) }} as has_disability,
    {%- for domain in wg_domains() %}
    {{ kobo_text('beneficiaries/grp_wg/wg_' ~ domain, 'beneficiary.value', form=form) }} as wg_{{ domain }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ kobo_submissions(form) }} as source, json_each(source.payload, {{ kobo_json_path('beneficiaries', form) }}) as beneficiary
{%- endfor %}
