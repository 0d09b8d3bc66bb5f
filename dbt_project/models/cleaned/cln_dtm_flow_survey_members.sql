-- The people travelling with each respondent (travel_group repeat), with their DTM age
-- group, the identity documents they carry (nested repeat documents, as a list) and their
-- interview's point, date and flags, so that marts can count travellers without reaching
-- back to staging.
with members as (
    select * from {{ ref('cln_dtm_flow_survey__travel_group_corrected') }}
),

documents as (
    select submission_id, member_position, list(distinct document_type order by document_type) as documents
    from {{ ref('cln_dtm_flow_survey__travel_group__documents_corrected') }}
    where document_type is not null
    group by submission_id, member_position
),

interviews as (
    select submission_id, fmp_id, survey_date, has_consented, has_blocking_issue
    from {{ ref('cln_dtm_flow_survey_interviews') }}
)

select
    members.submission_id,
    members.member_position,
    interviews.fmp_id,
    interviews.survey_date,
    members.member_sex,
    members.member_age,
    {{ age_group('members.member_age') }} as member_age_group,
    members.member_relationship,
    coalesce(documents.documents, []) as documents,
    interviews.has_consented,
    interviews.has_blocking_issue
from members
join interviews on interviews.submission_id = members.submission_id
left join documents
    on documents.submission_id = members.submission_id and documents.member_position = members.member_position
