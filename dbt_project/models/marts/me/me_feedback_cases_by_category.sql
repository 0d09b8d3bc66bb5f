-- Complaints and feedback cases received per reporting period and category, with a total
-- row per period (row_level 'total'): the only place a sensitive category (protection,
-- sexual exploitation and abuse, fraud or corruption; ref_feedback_sensitive_categories) is
-- named, as a count. Published with counts under the minimum cell size withheld, and one
-- more where the total would give a withheld one back (serving/disclosure.py).
with cases as (
    select cases.category, periods.period
    from {{ ref('cln_me_feedback_cases') }} as cases
    join {{ ref('ref_reporting_periods') }} as periods
        on cases.date_received between periods.period_start and periods.period_end
    where not cases.has_blocking_issue
),

counted as (
    select period, 'category' as row_level, category, count(*) as cases
    from cases
    group by all

    union all
    select period, 'total', null, count(*)
    from cases
    group by all
)

select
    counted.period,
    counted.row_level,
    counted.category,
    case when counted.row_level = 'total' then 'All categories' else category.label_en end as category_label_en,
    case when counted.row_level = 'total' then 'Toutes catégories' else category.label_fr end as category_label_fr,
    sensitive.category is not null as is_sensitive,
    counted.cases
from counted
{{ join_choice_labels('me_feedback', 'category', 'counted.category', 'category') }}
left join {{ ref('ref_feedback_sensitive_categories') }} as sensitive on sensitive.category = counted.category
