-- One row per locality assessment: Kobo's answers typed and renamed, nothing else.
-- Deleted submissions are left out (raw still counts them).
{% for form in kobo_forms_of_kind('dtm_locality') %}
{%- if not loop.first %}

union all
{% endif %}
select
    _id as submission_id,
    _uuid as submission_uuid,
    root_uuid,
    submission_time as submitted_at,
    form_version,
    validation_status,
    {{ kobo_timestamp('start', form=form) }} as interview_started_at,
    {{ kobo_timestamp('end', form=form) }} as interview_ended_at,
    {{ kobo_int('grp_general/round', form=form) }} as round,
    {{ kobo_text('grp_general/enumerator_id', form=form) }} as enumerator_id,
    {{ kobo_text('grp_location/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_location/admin2', form=form) }} as admin2_pcode,
    trim({{ kobo_text('grp_location/locality_name', form=form) }}) as locality_name,
    {{ kobo_geopoint_part('grp_location/gps', 1, form=form) }} as gps_latitude,
    {{ kobo_geopoint_part('grp_location/gps', 2, form=form) }} as gps_longitude,
    {{ kobo_text('grp_idp/idp_present', form=form) }} = 'yes' as has_idps,
    coalesce({{ kobo_int('grp_idp/idp_hh', form=form) }}, 0) as idp_households,
    coalesce({{ kobo_int('grp_idp/idp_ind', form=form) }}, 0) as idp_individuals,
    {%- for cell in sex_age_cells() %}
    coalesce({{ kobo_int('grp_idp/idp_' ~ cell, form=form) }}, 0) as idp_{{ cell }},
    {%- endfor %}
    {{ kobo_text('grp_idp/displacement_reason', form=form) }} as displacement_reason,
    {{ kobo_text('grp_idp/arrival_period', form=form) }} as arrival_period,
    {{ kobo_int('grp_idp/idp_on_sites', form=form) }} as idp_on_sites,
    {{ kobo_text('grp_ret/ret_present', form=form) }} = 'yes' as has_returnees,
    coalesce({{ kobo_int('grp_ret/ret_internal_hh', form=form) }}, 0) as returnee_internal_households,
    coalesce({{ kobo_int('grp_ret/ret_internal_ind', form=form) }}, 0) as returnee_internal_individuals,
    coalesce({{ kobo_int('grp_ret/ret_abroad_hh', form=form) }}, 0) as returnee_abroad_households,
    coalesce({{ kobo_int('grp_ret/ret_abroad_ind', form=form) }}, 0) as returnee_abroad_individuals,
    {{ kobo_multiple('grp_needs/priority_needs', form=form) }} as priority_needs,
    coalesce(json_array_length(payload -> {{ kobo_json_path('key_informants', form) }}), 0) as key_informant_count
from {{ kobo_submissions(form) }} as source
{%- endfor %}
