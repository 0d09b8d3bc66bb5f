-- One row per flow monitoring interview: Kobo's answers typed and renamed. The respondent's
-- name, phone and household GPS follow the form registry's personal-data policy (dropped,
-- pseudonymized or coarsened; dropped when the registry does not say). A refusal (consent
-- "no") keeps only the point, the date and the consent answer. Deleted submissions are left out.
{% for form in kobo_forms_of_kind('dtm_flow_survey') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_point/fmp_id', form=form) }} as fmp_id,
    {{ kobo_date('grp_point/survey_date', form=form) }} as survey_date,
    {{ kobo_text('grp_point/enumerator_id', form=form) }} as enumerator_id,
    {{ kobo_geopoint_part('grp_point/point_gps', 1, form=form) }} as point_gps_latitude,
    {{ kobo_geopoint_part('grp_point/point_gps', 2, form=form) }} as point_gps_longitude,
    {{ kobo_yes_no('grp_consent/consent', form=form) }} as has_consented,
    {{ personal_field('dtm_flow_survey', 'grp_respondent/resp_name', kobo_text('grp_respondent/resp_name', form=form), 'respondent_name', form=form) }}
    {{ personal_field('dtm_flow_survey', 'grp_respondent/resp_phone', kobo_text('grp_respondent/resp_phone', form=form), 'respondent_phone', form=form) }}
    {{ personal_field('dtm_flow_survey', 'grp_respondent/hh_gps', kobo_text('grp_respondent/hh_gps', form=form), 'household_gps', form=form) }}
    {{ kobo_text('grp_respondent/resp_sex', form=form) }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age', form=form) }} as respondent_age,
    {{ kobo_text('grp_respondent/resp_nationality', form=form) }} as respondent_nationality,
    {{ kobo_text('grp_journey/origin_country', form=form) }} as origin_country,
    {{ kobo_text('grp_journey/origin_admin2', form=form) }} as origin_admin2_pcode,
    {{ kobo_text('grp_journey/destination_country', form=form) }} as destination_country,
    {{ kobo_text('grp_journey/destination_admin2', form=form) }} as destination_admin2_pcode,
    {{ kobo_text('grp_journey/travel_reason', form=form) }} as travel_reason,
    {#- free text: kept for recoding unless the registry declares it personal (it may name people) #}
    {%- if kobo_path('grp_journey/travel_reason_other', form) in var('dtm_personal_fields', {}).get(form, {}) %}
    null::varchar as travel_reason_other,
    {%- else %}
    {{ kobo_text('grp_journey/travel_reason_other', form=form) }} as travel_reason_other,
    {%- endif %}
    {{ kobo_text('grp_journey/intended_duration', form=form) }} as intended_duration,
    {{ kobo_multiple('grp_vulnerability/vulnerabilities', form=form) }} as vulnerabilities,
    {{ kobo_int('grp_group/group_size', form=form) }} as group_size,
    coalesce(json_array_length(payload -> {{ kobo_json_path('travel_group', form) }}), 0) as group_members_listed,
    {{ kobo_text('grp_needs/main_need', form=form) }} as main_need
from {{ kobo_submissions(form) }} as source
{%- endfor %}
