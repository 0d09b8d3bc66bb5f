-- The travel_group repeat: one row per person travelling with the respondent, keyed by the
-- interview and the member's position in the repeat.
with source as (
    select _id, payload from {{ source('kobo', 'kobo_dtm_flow_survey') }}
    where deleted_at is null
)

select
    source._id as submission_id,
    cast(member.key as integer) + 1 as member_position,
    {{ kobo_text('travel_group/member_sex', 'member.value') }} as member_sex,
    {{ kobo_int('travel_group/member_age', 'member.value') }} as member_age,
    {{ kobo_text('travel_group/member_relationship', 'member.value') }} as member_relationship,
    coalesce(json_array_length(member.value -> '$."travel_group/documents"'), 0) as documents_listed
from source, json_each(source.payload, '$.travel_group') as member
