-- One row per flow monitoring interview: Kobo's answers typed and renamed. The respondent's
-- name, phone and household GPS follow the form registry's personal-data policy (dropped,
-- pseudonymized or coarsened; dropped when the registry does not say). A refusal (consent
-- "no") keeps only the point, the date and the consent answer. Deleted submissions are left out.
with source as (
    select * from {{ source('kobo', 'kobo_dtm_flow_survey') }}
    where deleted_at is null
)

select
    {{ kobo_submission_columns() }},
    {{ kobo_text('grp_point/fmp_id') }} as fmp_id,
    {{ kobo_date('grp_point/survey_date') }} as survey_date,
    {{ kobo_text('grp_point/enumerator_id') }} as enumerator_id,
    {{ kobo_geopoint_part('grp_point/point_gps', 1) }} as point_gps_latitude,
    {{ kobo_geopoint_part('grp_point/point_gps', 2) }} as point_gps_longitude,
    {{ kobo_yes_no('grp_consent/consent') }} as has_consented,
    {{ personal_field('dtm_flow_survey', 'grp_respondent/resp_name', kobo_text('grp_respondent/resp_name'), 'respondent_name') }}
    {{ personal_field('dtm_flow_survey', 'grp_respondent/resp_phone', kobo_text('grp_respondent/resp_phone'), 'respondent_phone') }}
    {{ personal_field('dtm_flow_survey', 'grp_respondent/hh_gps', kobo_text('grp_respondent/hh_gps'), 'household_gps') }}
    {{ kobo_text('grp_respondent/resp_sex') }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age') }} as respondent_age,
    {{ kobo_text('grp_respondent/resp_nationality') }} as respondent_nationality,
    {{ kobo_text('grp_journey/origin_country') }} as origin_country,
    {{ kobo_text('grp_journey/origin_admin2') }} as origin_admin2_pcode,
    {{ kobo_text('grp_journey/destination_country') }} as destination_country,
    {{ kobo_text('grp_journey/destination_admin2') }} as destination_admin2_pcode,
    {{ kobo_text('grp_journey/travel_reason') }} as travel_reason,
    {{ kobo_text('grp_journey/intended_duration') }} as intended_duration,
    {{ kobo_multiple('grp_vulnerability/vulnerabilities') }} as vulnerabilities,
    {{ kobo_int('grp_group/group_size') }} as group_size,
    coalesce(json_array_length(payload -> '$.travel_group'), 0) as group_members_listed,
    {{ kobo_text('grp_needs/main_need') }} as main_need
from source
