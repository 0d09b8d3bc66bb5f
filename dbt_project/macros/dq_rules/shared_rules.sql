{#- The rules more than one form runs, one macro per rule, named dq_rule_<rule id> after
    the rule's id in ref_dq_rules. Each renders a select of (submission_id, rule, value) of
    that rule on one form's relation; thresholds come from ref_dq_rules through a CTE called
    `rules` (and p-codes through one called `admin2`) in scope where it is called. `value`
    shows what tripped the rule, never a personal value. A form's own rules, and its calls
    of these, are in macros/dq_rules/<form>.sql. -#}

{#- duplicate_submission: the same answers as a submission received earlier (lower _id).
    The relation must carry an `answers` fingerprint column (dq_answers_fingerprint). -#}
{% macro dq_rule_duplicate_submission(relation) -%}
    select submission_id, 'duplicate_submission' as rule,
           {{ dq_duplicate_submission_value('first_submission_id') }} as value
    from (
        select submission_id,
               first_value(submission_id) over (partition by answers order by submission_id) as first_submission_id
        from {{ relation }}
    )
    where submission_id <> first_submission_id
{%- endmacro %}

{#- duplicate_submission's value, from the column holding the first submission's _id. -#}
{% macro dq_duplicate_submission_value(first_submission_id) -%}
    'same answers as submission ' || {{ first_submission_id }}
{%- endmacro %}

{#- near_duplicate_submission: the same key as a submission received earlier, with other
    answers (an exact copy is duplicate_submission's). Rows with a null key part are not
    compared. -#}
{% macro dq_rule_near_duplicate_submission(relation, key_columns, key_words) -%}
    select submission_id, 'near_duplicate_submission' as rule,
           'same ' || '{{ key_words }}' || ' as submission ' || first_submission_id as value
    from (
        select submission_id, answers,
               first_value(submission_id) over same_key as first_submission_id,
               first_value(answers) over same_key as first_answers
        from {{ relation }}
        where {% for column in key_columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
        window same_key as (partition by {{ key_columns | join(', ') }} order by submission_id)
    )
    where submission_id <> first_submission_id and answers <> first_answers
{%- endmacro %}

{#- unknown_admin2_pcode: a sub-prefecture p-code not in the OCHA reference. -#}
{% macro dq_rule_unknown_admin2_pcode(relation, admin2_column='admin2_pcode') -%}
    select submission_id, 'unknown_admin2_pcode' as rule, {{ admin2_column }} as value
    from {{ relation }}
    where {{ admin2_column }} not in (select pcode from admin2)
{%- endmacro %}

{#- admin2_outside_admin1: a sub-prefecture outside the prefecture entered. -#}
{% macro dq_rule_admin2_outside_admin1(relation, admin1_column='admin1_pcode', admin2_column='admin2_pcode') -%}
    select checked.submission_id, 'admin2_outside_admin1' as rule,
           checked.{{ admin2_column }} || ' is not in ' || checked.{{ admin1_column }} as value
    from {{ relation }} as checked
    join admin2 on admin2.pcode = checked.{{ admin2_column }}
    where admin2.parent_pcode <> checked.{{ admin1_column }}
{%- endmacro %}

{#- Both p-code rules of a form that records a prefecture and a sub-prefecture. -#}
{% macro dq_pcode_rules(relation, admin1_column='admin1_pcode', admin2_column='admin2_pcode') -%}
    {{ dq_rule_unknown_admin2_pcode(relation, admin2_column) }}

    union all
    {{ dq_rule_admin2_outside_admin1(relation, admin1_column, admin2_column) }}
{%- endmacro %}

{#- unknown_activity: an activity code not in the workplan. -#}
{% macro dq_rule_unknown_activity(relation) -%}
    select submission_id, 'unknown_activity' as rule, activity_code as value
    from {{ relation }}
    where activity_code not in (select activity_code from {{ ref('ref_workplan') }})
{%- endmacro %}

{#- date_in_future: a date answered after the day the server received the submission.
    Devices keep local time (UTC+1) and _submission_time is UTC, so one day is allowed.
    The condition and the value are macros of their own for the flow monitoring registry,
    which lists its findings per row (dq_rules_dtm_flow_counts). -#}
{% macro dq_rule_date_in_future(relation, date_column) -%}
    select submission_id, 'date_in_future' as rule, {{ dq_date_in_future_value(date_column) }} as value
    from {{ relation }}
    where {{ dq_date_in_future_condition(date_column) }}
{%- endmacro %}

{% macro dq_date_in_future_condition(date_column, submitted_at='submitted_at') -%}
    ({{ date_column }} > cast({{ submitted_at }} as date) + 1 or {{ date_column }} > current_date + 1)
{%- endmacro %}

{% macro dq_date_in_future_value(date_column, submitted_at='submitted_at') -%}
    {{ date_column }} || ' answered, received ' || cast({{ submitted_at }} as date)
{%- endmacro %}

{#- interview_outside_round: a DTM round's interview outside the round's collection period
    in ref_dtm_rounds (or a round it does not list). With the start time (the assessments),
    also an interview started in the future; with a date answered (date_column), the date. -#}
{% macro dq_rule_interview_outside_round(relation, form, date_column=none) -%}
    {%- set answered = 'checked.' ~ date_column if date_column else 'cast(checked.interview_started_at as date)' %}
    select checked.submission_id, 'interview_outside_round' as rule,
           {% if not date_column %}'started ' || {% endif %}{{ answered }}
           || coalesce(', round ' || rounds.collection_start || ' to ' || rounds.collection_end,
                       ', round not in ref_dtm_rounds') as value
    from {{ relation }} as checked
    left join (select * from {{ ref('ref_dtm_rounds') }} where form = '{{ form }}') as rounds
        on rounds.round = checked.round
    where {% if not date_column %}checked.interview_started_at > current_timestamp
       or {% endif %}rounds.round is null
       or {{ answered }} not between rounds.collection_start and rounds.collection_end
{%- endmacro %}

{#- interview_too_short: a consented interview (a refusal is short by nature) shorter than
    the form's min_value minutes. -#}
{% macro dq_rule_interview_too_short(relation, form, consent_column='has_consented') -%}
    select checked.submission_id, 'interview_too_short' as rule,
           round(epoch(checked.interview_ended_at - checked.interview_started_at) / 60, 1) || ' minutes' as value
    from {{ relation }} as checked
    join rules on rules.form = '{{ form }}' and rules.rule = 'interview_too_short'
    where checked.{{ consent_column }}
      and epoch(checked.interview_ended_at - checked.interview_started_at) / 60 < rules.min_value
{%- endmacro %}

{#- interview_too_long: an interview longer than the form's max_value minutes. -#}
{% macro dq_rule_interview_too_long(relation, form) -%}
    select checked.submission_id, 'interview_too_long' as rule,
           round(epoch(checked.interview_ended_at - checked.interview_started_at) / 60) || ' minutes' as value
    from {{ relation }} as checked
    join rules on rules.form = '{{ form }}' and rules.rule = 'interview_too_long'
    where epoch(checked.interview_ended_at - checked.interview_started_at) / 60 > rules.max_value
{%- endmacro %}

{#- interview_duration: the DTM assessments' one rule on both sides (they ask no consent):
    a duration outside the form's min_value to max_value minutes. The surveys, which ask
    consent, run interview_too_short and interview_too_long instead (ARCHITECTURE.md,
    Data-quality rules, on why the id stays). -#}
{% macro dq_rule_interview_duration(relation, form) -%}
    select checked.submission_id, 'interview_duration' as rule,
           round(epoch(checked.interview_ended_at - checked.interview_started_at) / 60) || ' minutes' as value
    from {{ relation }} as checked
    join rules on rules.form = '{{ form }}' and rules.rule = 'interview_duration'
    where epoch(checked.interview_ended_at - checked.interview_started_at) / 60
          not between rules.min_value and rules.max_value
{%- endmacro %}

{#- gps_outside_car: a GPS point outside the Central African Republic's bounding box. -#}
{% macro dq_rule_gps_outside_car(relation) -%}
    {%- set box = var('car_bounding_box') %}
    select submission_id, 'gps_outside_car' as rule, gps_latitude || ' ' || gps_longitude as value
    from {{ relation }}
    where gps_latitude not between {{ box.min_latitude }} and {{ box.max_latitude }}
       or gps_longitude not between {{ box.min_longitude }} and {{ box.max_longitude }}
{%- endmacro %}

{#- household_size (and the locality's idp_ and returnee_household_size): individuals per
    household outside the form's min_value to max_value, where any individual is reported. -#}
{% macro dq_rule_household_size(relation, form, individuals, households, rule='household_size') -%}
    select checked.submission_id, '{{ rule }}' as rule,
           checked.{{ individuals }} || ' individuals in ' || checked.{{ households }} || ' households' as value
    from {{ relation }} as checked
    join rules on rules.form = '{{ form }}' and rules.rule = '{{ rule }}'
    where checked.{{ individuals }} > 0
      and (checked.{{ households }} = 0
           or checked.{{ individuals }} / checked.{{ households }} not between rules.min_value and rules.max_value)
{%- endmacro %}

{#- breakdown_mismatch (the locality's idp_breakdown_mismatch): the sex/age cells
    (sex_age_cells, prefixed) do not add up to the total they detail; `where`, a condition
    on which rows are judged. Its condition and value are macros of their own for the flow
    monitoring registry (dq_rules_dtm_flow_counts). -#}
{% macro dq_rule_breakdown_mismatch(relation, prefix, total, rule='breakdown_mismatch', where=none) -%}
    select submission_id, '{{ rule }}' as rule, {{ dq_breakdown_mismatch_value(prefix, total) }} as value
    from {{ relation }}
    where {% if where %}{{ where }}
      and {% endif %}{{ dq_breakdown_mismatch_condition(prefix, total) }}
{%- endmacro %}

{% macro dq_breakdown_mismatch_condition(prefix, total) -%}
    {{ sex_age_sum(prefix) }} <> {{ total }}
{%- endmacro %}

{% macro dq_breakdown_mismatch_value(prefix, total) -%}
    'breakdown ' || {{ sex_age_sum(prefix) }} || ' vs total ' || {{ total }}
{%- endmacro %}
