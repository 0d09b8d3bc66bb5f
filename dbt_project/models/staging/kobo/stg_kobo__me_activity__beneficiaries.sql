-- The beneficiaries repeat (attendance list): one row per person attending a session, keyed
-- by the session and the person's position in the list. Names are dropped; national ID
-- numbers and phones are pseudonymized (keyed hash) as the form registry declares, so a
-- person can be counted once across activities without anyone seeing who they are.
with source as (
    select _id, payload from {{ source('kobo', 'kobo_me_activity') }}
    where deleted_at is null
)

select
    source._id as submission_id,
    cast(beneficiary.key as integer) + 1 as beneficiary_position,
    {{ personal_field('me_activity', 'beneficiaries/ben_name', kobo_text('beneficiaries/ben_name', 'beneficiary.value'), 'beneficiary_name') }}
    {{ personal_field('me_activity', 'beneficiaries/ben_national_id', kobo_text('beneficiaries/ben_national_id', 'beneficiary.value'), 'beneficiary_national_id') }}
    {{ personal_field('me_activity', 'beneficiaries/ben_phone', kobo_text('beneficiaries/ben_phone', 'beneficiary.value'), 'beneficiary_phone') }}
    {{ kobo_text('beneficiaries/ben_sex', 'beneficiary.value') }} as beneficiary_sex,
    {{ kobo_int('beneficiaries/ben_age', 'beneficiary.value') }} as beneficiary_age,
    {{ kobo_text('beneficiaries/ben_displacement', 'beneficiary.value') }} as displacement_status,
    {{ kobo_yes_no('beneficiaries/ben_disability', 'beneficiary.value') }} as has_disability,
    {%- for domain in ['seeing', 'hearing', 'walking', 'cognition', 'selfcare', 'communication'] %}
    {{ kobo_text('beneficiaries/grp_wg/wg_' ~ domain, 'beneficiary.value') }} as wg_{{ domain }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from source, json_each(source.payload, '$.beneficiaries') as beneficiary
