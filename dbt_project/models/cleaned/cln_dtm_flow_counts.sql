-- The flow monitoring registry's groups, one row per staged submission, with the
-- data-quality rules of ref_dq_rules (form dtm_flow_counts; the rules are in
-- macros/dq_rules/dtm_flow_counts.sql) applied: each row keeps its findings (dq_findings,
-- listed in dq_issues), the rules that fired and whether one blocks.
-- Rows with a blocking issue stay here, flagged, and the flow marts leave them out.
-- Incremental: only the count dates a change touched since the last build are recomputed
-- (macros/flow_counts.sql), so the cost follows the new data, not the history. After
-- changing this form's rules or thresholds in ref_dq_rules, or ref_flow_monitoring_points,
-- rebuild it and the flow marts with --full-refresh.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='submission_id',
    on_schema_change='append_new_columns',
    merge_clauses=flow_merge_clauses('submission_uuid')
) }}

with
{{ flow_affected_days() }}

rules as (
    select * from {{ ref('ref_dq_rules') }} where form = 'dtm_flow_counts'
),

flow_points as (
    select * from {{ ref('ref_flow_monitoring_points') }}
),

counts as (
    select
        staged.*,
        {{ dq_answers_fingerprint(dq_metadata_columns(['landed_at']) | reject('equalto', 'validation_status') | reject('equalto', 'is_corrected') | list) }}
            as answers
    from {{ ref('stg_kobo__dtm_flow_counts') }} as staged
    where {{ flow_in_affected_days('staged.count_date') }}
),

judged as (
    select
        counts.* exclude (answers),
        flow_points.admin1_pcode,
        flow_points.admin2_pcode,
        flow_points.border_country,
        {{ sex_age_sum() }} = counts.total_individuals as breakdown_matches_total,
        {{ dq_rules_dtm_flow_counts() }} as dq_findings
    from counts
    left join flow_points on flow_points.fmp_id = counts.fmp_id
    window same_answers as (partition by counts.answers order by counts.submission_id)
),

current_rows as (
    select
        judged.*,
        list_sort(list_transform(judged.dq_findings, finding -> finding.rule)) as dq_rules_failed,
        list_has_any(list_transform(judged.dq_findings, finding -> finding.rule),
                     (select coalesce(list(rule), []) from rules where severity = 'blocking')) as has_blocking_issue,
        {{ flow_changes_through() }} as changes_through
    from judged
)

select * from current_rows
{{ flow_tombstones(['submission_id'], flow_in_affected_days('existing.count_date'), 'current_rows') }}
