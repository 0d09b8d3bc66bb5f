-- The findings repeat of the field monitoring visits: one row per finding, keyed by the visit
-- and the finding's position. The follow-up action's text (it names who is to act) is
-- dropped, as the form registry declares; its due date and status are kept. An edit that
-- closed a finding after the visit is read from the submission's current payload.
{% for form in kobo_forms_of_kind('me_field_visit') %}
{%- if not loop.first %}

union all
{% endif %}
select
    source._id as submission_id,
    cast(finding.key as integer) + 1 as finding_position,
    {{ kobo_text('findings/category', 'finding.value', form=form) }} as finding_category,
    {{ kobo_text('findings/severity', 'finding.value', form=form) }} as severity,
    {{ personal_field('me_field_visit', 'findings/action_text', kobo_text('findings/action_text', 'finding.value', form=form), 'action_text', form=form) }}
    {{ kobo_date('findings/due_date', 'finding.value', form=form) }} as action_due_date,
    {{ kobo_text('findings/action_status', 'finding.value', form=form) }} as action_status,
    {{ kobo_date('findings/closed_date', 'finding.value', form=form) }} as action_closed_date
from {{ kobo_submissions(form) }} as source, json_each(source.payload, {{ kobo_json_path('findings', form) }}) as finding
{%- endfor %}
