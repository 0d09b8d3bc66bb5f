-- Travellers counted at each flow monitoring point by ISO week (Monday to Sunday) and
-- direction: the sum of dtm_flow_daily over the week's days, with the number of days on
-- which groups were counted. Incremental like the daily figures: only the weeks holding a
-- day a change touched are recomputed, and a week/point/direction left without any group
-- is deleted.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['week_start', 'fmp_id', 'direction'],
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
    from {{ ref('dtm_flow_daily') }}
    {%- if is_incremental() %}
    where cast(date_trunc('week', count_date) as date) in (select week_start from affected_weeks)
    {%- endif %}
),

current_rows as (
    select
        week_start,
        cast(week_start + 6 as date) as week_end,
        isoyear(week_start) as iso_year,
        week(week_start) as iso_week,
        fmp_id,
        any_value(fmp_name) as fmp_name,
        any_value(fmp_label_en) as fmp_label_en,
        any_value(fmp_label_fr) as fmp_label_fr,
        any_value(admin1_pcode) as admin1_pcode,
        any_value(admin1_name) as admin1_name,
        any_value(admin2_pcode) as admin2_pcode,
        any_value(admin2_name) as admin2_name,
        any_value(border_country) as border_country,
        direction,
        any_value(direction_label_en) as direction_label_en,
        any_value(direction_label_fr) as direction_label_fr,
        count(distinct count_date) as days_counted,
        sum(flows) as flows,
        sum(total_individuals) as total_individuals,
        sum(flows_with_breakdown) as flows_with_breakdown,
        {%- for cell in sex_age_cells() %}
        sum(ind_{{ cell }}) as ind_{{ cell }},
        {%- endfor %}
        round(sum(total_individuals) / count(distinct count_date), 1) as individuals_per_day_counted,
        {{ flow_changes_through() }} as changes_through
    from daily
    group by week_start, fmp_id, direction
)

select * from current_rows
{%- if is_incremental() %}
{{ flow_tombstones(['week_start', 'fmp_id', 'direction'],
                   'existing.week_start in (select week_start from affected_weeks)', 'current_rows') }}
{%- endif %}
