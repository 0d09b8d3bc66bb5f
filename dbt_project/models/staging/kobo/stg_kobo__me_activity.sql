-- One row per activity session of the community stabilization programme: Kobo's answers
-- typed and renamed; the attendance list is stg_kobo__me_activity__beneficiaries. Deleted
-- submissions are left out.
{% for form in kobo_forms_of_kind('me_activity') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_activity/activity_code', form=form) }} as activity_code,
    {{ kobo_date('grp_activity/activity_date', form=form) }} as activity_date,
    {{ kobo_text('grp_activity/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_activity/admin2', form=form) }} as admin2_pcode,
    trim({{ kobo_text('grp_activity/venue', form=form) }}) as venue,
    {{ kobo_text('grp_activity/facilitator_id', form=form) }} as facilitator_id,
    coalesce(json_array_length(payload -> {{ kobo_json_path('beneficiaries', form) }}), 0) as beneficiaries_listed
from {{ kobo_submissions(form) }} as source
{%- endfor %}
