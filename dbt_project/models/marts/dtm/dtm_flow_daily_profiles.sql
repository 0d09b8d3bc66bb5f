-- The travellers counted at each flow monitoring point by day and direction, broken down
-- by the group's main means of transport, main nationality and main reason for travel:
-- one row per breakdown (transport_mode, nationality, travel_reason) and category, with
-- the groups and travellers in it. Within a breakdown, the categories of a day, point and
-- direction add up to dtm_flow_daily's flows and total_individuals. A group that did not
-- answer counts under the category not_answered. Incremental like dtm_flow_daily.
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key=['count_date', 'fmp_id', 'direction', 'breakdown', 'category'],
    on_schema_change='append_new_columns',
    merge_clauses=flow_merge_clauses('flows')
) }}

{%- set breakdowns = {'transport_mode': 'transport', 'nationality': 'nationality', 'travel_reason': 'travel_reason'} %}

with
{{ flow_affected_days() }}

counted as (
    select * from {{ ref('cln_dtm_flow_counts') }}
    where not has_blocking_issue
      and count_date is not null and fmp_id is not null and direction is not null
      and {{ flow_in_affected_days('count_date') }}
),

by_category as (
    {%- for breakdown, choice_list in breakdowns.items() %}
    select count_date, fmp_id, direction, '{{ breakdown }}' as breakdown, '{{ choice_list }}' as choice_list,
           coalesce({{ breakdown }}, 'not_answered') as category,
           count(*) as flows, sum(total_individuals) as total_individuals
    from counted
    group by count_date, fmp_id, direction, category
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

labels as (
    select choice_list, choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'dtm_flow_counts'
),

current_rows as (
    select
        by_category.count_date,
        cast(date_trunc('week', by_category.count_date) as date) as week_start,
        by_category.fmp_id,
        by_category.direction,
        by_category.breakdown,
        by_category.category,
        coalesce(labels.label_en, case when by_category.category = 'not_answered' then 'Not answered' end)
            as category_label_en,
        coalesce(labels.label_fr, case when by_category.category = 'not_answered' then 'Non renseigné' end)
            as category_label_fr,
        by_category.flows,
        by_category.total_individuals,
        {{ flow_changes_through() }} as changes_through
    from by_category
    left join labels
        on labels.choice_list = by_category.choice_list and labels.choice_code = by_category.category
)

select * from current_rows
{{ flow_tombstones(['count_date', 'fmp_id', 'direction', 'breakdown', 'category'],
                   flow_in_affected_days('existing.count_date'), 'current_rows') }}
