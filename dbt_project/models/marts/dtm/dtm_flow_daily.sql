-- Travellers counted at each flow monitoring point, by day and direction: groups (flows),
-- travellers, and their sex and age. Groups with a blocking data-quality issue (a copy, a
-- count with extra zeros, a date in the future, an unknown point) are left out; a group
-- whose sex/age breakdown does not add up counts in flows and total_individuals but not in
-- the breakdown (flows_with_breakdown says over how many groups the breakdown is summed).
-- Incremental: each build recomputes only the days a new, edited or deleted submission
-- touched (macros/flow_counts.sql); a day/point/direction that no longer has a group is
-- deleted.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['count_date', 'fmp_id', 'direction'],
    on_schema_change='append_new_columns',
    merge_clauses=flow_merge_clauses('flows')
) }}

with
{{ flow_affected_days() }}

counted as (
    select * from {{ ref('cln_dtm_flow_counts') }}
    where not has_blocking_issue
      and count_date is not null and fmp_id is not null and direction is not null
      and {{ flow_in_affected_days('count_date') }}
),

daily as (
    select
        count_date,
        fmp_id,
        direction,
        count(*) as flows,
        sum(total_individuals) as total_individuals,
        count(*) filter (where breakdown_matches_total) as flows_with_breakdown,
        {%- for cell in sex_age_cells() %}
        coalesce(sum(ind_{{ cell }}) filter (where breakdown_matches_total), 0) as ind_{{ cell }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from counted
    group by count_date, fmp_id, direction
),

points as (
    select * from {{ ref('ref_flow_monitoring_points') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
),

current_rows as (
    select
        daily.count_date,
        cast(date_trunc('week', daily.count_date) as date) as week_start,
        daily.fmp_id,
        points.name as fmp_name,
        fmp.label_en as fmp_label_en,
        fmp.label_fr as fmp_label_fr,
        points.admin1_pcode,
        admin1.name as admin1_name,
        points.admin2_pcode,
        admin2.name as admin2_name,
        points.border_country,
        daily.direction,
        direction.label_en as direction_label_en,
        direction.label_fr as direction_label_fr,
        daily.flows,
        daily.total_individuals,
        daily.flows_with_breakdown,
        {%- for cell in sex_age_cells() %}
        daily.ind_{{ cell }},
        {%- endfor %}
        {{ flow_changes_through() }} as changes_through
    from daily
    join points on points.fmp_id = daily.fmp_id
    left join admin_names as admin1 on admin1.pcode = points.admin1_pcode
    left join admin_names as admin2 on admin2.pcode = points.admin2_pcode
    {{ join_choice_labels('dtm_flow_counts', 'fmp', 'daily.fmp_id', 'fmp') }}
    {{ join_choice_labels('dtm_flow_counts', 'direction', 'daily.direction', 'direction') }}
)

select * from current_rows
{{ flow_tombstones(['count_date', 'fmp_id', 'direction'], flow_in_affected_days('existing.count_date'), 'current_rows') }}
