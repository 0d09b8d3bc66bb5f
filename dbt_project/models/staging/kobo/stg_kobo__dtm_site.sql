-- One row per IDP site assessment: Kobo's answers typed and renamed, nothing else.
-- Deleted submissions are left out (raw still counts them). The site photo is not carried
-- (a photo can show people): only whether one was taken.
with source as (
    select * from {{ source('kobo', 'kobo_dtm_site') }}
    where deleted_at is null
)

select
    {{ kobo_submission_columns() }},
    {{ kobo_int('grp_general/round') }} as round,
    {{ kobo_text('grp_general/enumerator_id') }} as enumerator_id,
    {{ kobo_text('grp_location/admin1') }} as admin1_pcode,
    {{ kobo_text('grp_location/admin2') }} as admin2_pcode,
    trim({{ kobo_text('grp_location/site_id') }}) as site_id,
    trim({{ kobo_text('grp_location/site_name') }}) as site_name,
    {{ kobo_geopoint_part('grp_location/gps', 1) }} as gps_latitude,
    {{ kobo_geopoint_part('grp_location/gps', 2) }} as gps_longitude,
    {{ kobo_text('grp_site/site_type') }} as site_type,
    {{ kobo_yes_no('grp_site/site_managed') }} as is_managed,
    {{ kobo_text('grp_site/management_agency') }} as management_agency,
    {{ kobo_text('grp_site/site_photo') }} is not null as has_site_photo,
    {{ kobo_yes_no('grp_site/eviction_risk') }} as is_at_risk_of_eviction,
    coalesce({{ kobo_int('grp_population/households') }}, 0) as households,
    coalesce({{ kobo_int('grp_population/individuals') }}, 0) as individuals,
    {%- for cell in ['m_0_5', 'f_0_5', 'm_6_17', 'f_6_17', 'm_18_59', 'f_18_59', 'm_60', 'f_60'] %}
    coalesce({{ kobo_int('grp_population/ind_' ~ cell) }}, 0) as ind_{{ cell }},
    {%- endfor %}
    coalesce({{ kobo_multiple('grp_services/services_available') }}, []) as services_available,
    {{ kobo_int('grp_services/water_points') }} as water_points
from source
