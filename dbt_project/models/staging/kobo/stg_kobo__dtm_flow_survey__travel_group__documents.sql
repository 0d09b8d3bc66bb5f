-- The documents repeat nested in travel_group: one row per identity document a member of
-- the travel group carries, keyed by the interview, the member and the document's position.
with source as (
    select _id, payload from {{ source('kobo', 'kobo_dtm_flow_survey') }}
    where deleted_at is null
)

select
    source._id as submission_id,
    cast(member.key as integer) + 1 as member_position,
    cast(document.key as integer) + 1 as document_position,
    {{ kobo_text('travel_group/documents/doc_type', 'document.value') }} as document_type
from source,
    json_each(source.payload, '$.travel_group') as member,
    json_each(member.value, '$."travel_group/documents"') as document
