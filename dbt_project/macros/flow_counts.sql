{#- The incremental scaffolding the flow monitoring registry's models share. Every rule and
    every figure of the registry is local to a count date (a duplicate repeats the same
    day's answers), so a model recomputes whole days: the days touched by a change (new,
    edited, deleted) since its own watermark, `changes_through`, the newest change of
    stg_kobo__dtm_flow_counts__changes it has taken in. An edit that moves a group to
    another day touches both days (count_date and previous_count_date). Rows of this model
    in a recomputed day that no longer exist come back as tombstones (the model's
    tombstone column null), which the merge deletes. -#}

{#- CTEs `watermark` and `affected_days` (day: the count date, or 0001-01-01 for a group
    without one). Renders nothing on a full refresh. Follow it with a comma-separated CTE. -#}
{% macro flow_affected_days() -%}
    {%- if is_incremental() %}
watermark as (
    select coalesce(max(changes_through), '-infinity'::timestamptz) as changed_at from {{ this }}
),

affected_days as (
    select distinct day
    from {{ ref('stg_kobo__dtm_flow_counts__changes') }} as changes, watermark,
        unnest([coalesce(changes.count_date, '0001-01-01'::date),
                coalesce(changes.previous_count_date, changes.count_date, '0001-01-01'::date)]) as days(day)
    where changes.changed_at > watermark.changed_at
),
    {%- endif %}
{%- endmacro %}

{#- A filter keeping the rows of the affected days (true on a full refresh). -#}
{% macro flow_in_affected_days(date_column) -%}
    {%- if is_incremental() -%}
    coalesce({{ date_column }}, '0001-01-01'::date) in (select day from affected_days)
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The newest change taken in by this build: every row written gets it. -#}
{% macro flow_changes_through() -%}
    (select max(changed_at) from {{ ref('stg_kobo__dtm_flow_counts__changes') }})
{%- endmacro %}

{#- Merge settings of an incremental flow model: update or insert the recomputed rows,
    delete those that come back as tombstones (`tombstone_column` null). -#}
{% macro flow_merge_clauses(tombstone_column) -%}
    {{ return({
        'when_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.' ~ tombstone_column ~ ' is null', 'action': 'delete'},
            {'action': 'update', 'mode': 'by_name'}
        ],
        'when_not_matched': [
            {'condition': 'DBT_INTERNAL_SOURCE.' ~ tombstone_column ~ ' is not null', 'action': 'insert', 'mode': 'by_name'}
        ]
    }) }}
{%- endmacro %}

{#- Tombstones: rows of this model matching `filter_sql` (the recomputed days or weeks)
    whose key is not in `current_relation` any more. Renders nothing on a full refresh. -#}
{% macro flow_tombstones(key_columns, filter_sql, current_relation) -%}
    {%- if is_incremental() %}
    union all by name
    select {% for column in key_columns %}existing.{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}
    from {{ this }} as existing
    where {{ filter_sql }}
      and not exists (
          select 1 from {{ current_relation }} as current_row
          where {% for column in key_columns %}current_row.{{ column }} = existing.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %})
    {%- endif %}
{%- endmacro %}
