-- One row per locality assessment: Kobo's answers typed and renamed, nothing else.
-- Deleted submissions are left out (raw still counts them).
with source as (
    select * from {{ source('kobo', 'kobo_dtm_locality') }}
    where deleted_at is null
)

select
    _id as submission_id,
    _uuid as submission_uuid,
    root_uuid,
    submission_time as submitted_at,
    form_version,
    validation_status,
    {{ kobo_timestamp('start') }} as interview_started_at,
    {{ kobo_timestamp('end') }} as interview_ended_at,
    {{ kobo_int('grp_general/round') }} as round,
    {{ kobo_text('grp_general/enumerator_id') }} as enumerator_id,
    {{ kobo_text('grp_location/admin1') }} as admin1_pcode,
    {{ kobo_text('grp_location/admin2') }} as admin2_pcode,
    trim({{ kobo_text('grp_location/locality_name') }}) as locality_name,
    {{ kobo_geopoint_part('grp_location/gps', 1) }} as gps_latitude,
    {{ kobo_geopoint_part('grp_location/gps', 2) }} as gps_longitude,
    {{ kobo_text('grp_idp/idp_present') }} = 'yes' as has_idps,
    coalesce({{ kobo_int('grp_idp/idp_hh') }}, 0) as idp_households,
    coalesce({{ kobo_int('grp_idp/idp_ind') }}, 0) as idp_individuals,
    {%- for cell in ['m_0_5', 'f_0_5', 'm_6_17', 'f_6_17', 'm_18_59', 'f_18_59', 'm_60', 'f_60'] %}
    coalesce({{ kobo_int('grp_idp/idp_' ~ cell) }}, 0) as idp_{{ cell }},
    {%- endfor %}
    {{ kobo_text('grp_idp/displacement_reason') }} as displacement_reason,
    {{ kobo_text('grp_idp/arrival_period') }} as arrival_period,
    {{ kobo_text('grp_ret/ret_present') }} = 'yes' as has_returnees,
    coalesce({{ kobo_int('grp_ret/ret_internal_hh') }}, 0) as returnee_internal_households,
    coalesce({{ kobo_int('grp_ret/ret_internal_ind') }}, 0) as returnee_internal_individuals,
    coalesce({{ kobo_int('grp_ret/ret_abroad_hh') }}, 0) as returnee_abroad_households,
    coalesce({{ kobo_int('grp_ret/ret_abroad_ind') }}, 0) as returnee_abroad_individuals,
    {{ kobo_multiple('grp_needs/priority_needs') }} as priority_needs,
    coalesce(json_array_length(payload -> '$.key_informants'), 0) as key_informant_count
from source
