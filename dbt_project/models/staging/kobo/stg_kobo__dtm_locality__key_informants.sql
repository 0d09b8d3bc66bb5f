-- The key_informants repeat group: one row per informant, keyed by the parent submission
-- and the informant's position in the repeat. Names and phone numbers follow the form
-- registry's personal-data policy (dropped unless the registry says otherwise).
with source as (
    select _id, payload from {{ source('kobo', 'kobo_dtm_locality') }}
    where deleted_at is null
)

select
    source._id as submission_id,
    cast(informant.key as integer) + 1 as informant_position,
    {{ personal_field('dtm_locality', 'key_informants/ki_name', kobo_text('key_informants/ki_name', 'informant.value'), 'informant_name') }}
    {{ personal_field('dtm_locality', 'key_informants/ki_phone', kobo_text('key_informants/ki_phone', 'informant.value'), 'informant_phone') }}
    {{ kobo_text('key_informants/ki_role', 'informant.value') }} as informant_role,
    {{ kobo_text('key_informants/ki_sex', 'informant.value') }} as informant_sex
from source, json_each(source.payload, '$.key_informants') as informant
