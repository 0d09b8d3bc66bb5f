-- One row per IDP site assessment: Kobo's answers typed and renamed, nothing else.
-- Deleted submissions are left out (raw still counts them). The site photo is not carried
-- (a photo can show people): only whether one was taken.
{% for form in kobo_forms_of_kind('dtm_site') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_int('grp_general/round', form=form) }} as round,
    {{ kobo_text('grp_general/enumerator_id', form=form) }} as enumerator_id,
    {{ kobo_text('grp_location/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_location/admin2', form=form) }} as admin2_pcode,
    trim({{ kobo_text('grp_location/site_id', form=form) }}) as site_id,
    trim({{ kobo_text('grp_location/site_name', form=form) }}) as site_name,
    {{ kobo_geopoint_part('grp_location/gps', 1, form=form) }} as gps_latitude,
    {{ kobo_geopoint_part('grp_location/gps', 2, form=form) }} as gps_longitude,
    {{ kobo_text('grp_site/site_type', form=form) }} as site_type,
    {{ kobo_yes_no('grp_site/site_managed', form=form) }} as is_managed,
    {{ kobo_text('grp_site/management_agency', form=form) }} as management_agency,
    {{ kobo_text('grp_site/site_photo', form=form) }} is not null as has_site_photo,
    {{ kobo_yes_no('grp_site/eviction_risk', form=form) }} as is_at_risk_of_eviction,
    coalesce({{ kobo_int('grp_population/households', form=form) }}, 0) as households,
    coalesce({{ kobo_int('grp_population/individuals', form=form) }}, 0) as individuals,
    {%- for cell in sex_age_cells() %}
    coalesce({{ kobo_int('grp_population/ind_' ~ cell, form=form) }}, 0) as ind_{{ cell }},
    {%- endfor %}
    coalesce({{ kobo_multiple('grp_services/services_available', form=form) }}, []) as services_available,
    {{ kobo_int('grp_services/water_points', form=form) }} as water_points
from {{ kobo_submissions(form) }} as source
{%- endfor %}
