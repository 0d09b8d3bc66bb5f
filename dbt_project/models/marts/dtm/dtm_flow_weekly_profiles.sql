-- dtm_flow_daily_profiles summed by ISO week: groups and travellers at each point, week and
-- direction by means of transport, nationality and reason for travel. Incremental like
-- dtm_flow_weekly.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['week_start', 'fmp_id', 'direction', 'breakdown', 'category'],
    on_schema_change='append_new_columns',
    merge_clauses=flow_merge_clauses('flows')
) }}

with
{{ flow_affected_days() }}

{%- if is_incremental() %}
affected_weeks as (
    select distinct cast(date_trunc('week', day) as date) as week_start from affected_days
),
{%- endif %}

daily as (
    select * replace (cast(date_trunc('week', count_date) as date) as week_start)
    from {{ ref('dtm_flow_daily_profiles') }}
    {%- if is_incremental() %}
    where cast(date_trunc('week', count_date) as date) in (select week_start from affected_weeks)
    {%- endif %}
),

current_rows as (
    select
        week_start,
        cast(week_start + 6 as date) as week_end,
        fmp_id,
        direction,
        breakdown,
        category,
        any_value(category_label_en) as category_label_en,
        any_value(category_label_fr) as category_label_fr,
        sum(flows) as flows,
        sum(total_individuals) as total_individuals,
        {{ flow_changes_through() }} as changes_through
    from daily
    group by week_start, fmp_id, direction, breakdown, category
)

select * from current_rows
{%- if is_incremental() %}
{{ flow_tombstones(['week_start', 'fmp_id', 'direction', 'breakdown', 'category'],
                   'existing.week_start in (select week_start from affected_weeks)', 'current_rows') }}
{%- endif %}
