{#- The flow monitoring registry's data-quality rules (form dtm_flow_counts). Its cleaned
    model is incremental and keeps each group's findings (cln_dtm_flow_counts.dq_findings,
    which dq_issues lists), so the rules are one list expression per row rather than a
    select: a list of {rule, value} structs, the findings of the row. It reads the row as
    `counts`, its point as `flow_points` (left joined), the window `same_answers` (the
    groups with the same answers, by _id) and the form's rows of ref_dq_rules as `rules`. -#}
{% macro dq_rules_dtm_flow_counts() -%}
    list_filter([
        case when counts.submission_id <> first_value(counts.submission_id) over same_answers
             then {'rule': 'duplicate_submission',
                   'value': {{ dq_duplicate_submission_value('first_value(counts.submission_id) over same_answers') }}} end,
        case when flow_points.fmp_id is null
             then {'rule': 'unknown_flow_monitoring_point', 'value': counts.fmp_id} end,
        case when counts.total_individuals not between
                  (select min_value from rules where rule = 'group_size_outlier')
                  and (select max_value from rules where rule = 'group_size_outlier')
             then {'rule': 'group_size_outlier', 'value': counts.total_individuals || ' travellers'} end,
        case when {{ dq_date_in_future_condition('counts.count_date', 'counts.submitted_at') }}
             then {'rule': 'date_in_future',
                   'value': {{ dq_date_in_future_value('counts.count_date', 'counts.submitted_at') }}} end,
        case when counts.count_date < flow_points.counting_since
             then {'rule': 'date_before_collection',
                   'value': counts.count_date || ', point counting since ' || flow_points.counting_since} end,
        case when {{ dq_breakdown_mismatch_condition('ind_', 'counts.total_individuals') }}
             then {'rule': 'breakdown_mismatch',
                   'value': {{ dq_breakdown_mismatch_value('ind_', 'counts.total_individuals') }}} end
    ], finding -> finding is not null)
{%- endmacro %}
