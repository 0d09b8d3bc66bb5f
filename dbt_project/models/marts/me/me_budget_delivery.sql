-- Budget against delivery, per budget line and reporting period: the period's budget
-- (ref_budget), what was spent on it (the imported expenditures), the burn rate, the same to
-- date, and beside them the delivery of the output the line funds: the % of the output
-- indicator's period target achieved (me_indicator_tracking's total row, measured from the
-- baseline). Where the burn rate runs ahead of delivery, or behind it, by more than the
-- threshold burn_delivery_gap_points (ref_programme_thresholds, in percentage points), the
-- line is flagged. Delivery beyond the target counts as 100%: an output that exceeded its
-- target does not call for spending beyond the budget, nor make a line that spent its
-- budget look behind.
--   ahead_of_delivery     spending outpaces what the output delivered
--   behind_delivery       the output delivers more than the spending would pay for
--   in_step               within the threshold
--   no_delivery_measure   the line funds no single output, or the output has no measure or
--                         target in the period
--   unbudgeted            spending where the period has no budget for the line
with budget as (
    select budget_line, activity_code, budget_line_en, budget_line_fr, currency, period, amount
    from {{ ref('ref_budget') }}
),

lines as (
    select distinct budget_line, activity_code, budget_line_en, budget_line_fr, currency from budget
),

spending as (
    select budget_line, period, sum(amount) as spent, count(*) as payments
    from {{ ref('stg_finance__expenditures') }}
    group by budget_line, period
),

periods as (
    select period, period_start, period_end from {{ ref('ref_reporting_periods') }}
),

outputs as (
    select distinct activity_code, output_indicator_code from {{ ref('ref_workplan') }}
),

delivery as (
    select indicator_code, period, percent_achieved,
           -- not least(percent_achieved, 100): DuckDB's least skips a null and would give 100
           case when percent_achieved > 100 then 100 else percent_achieved end as percent_compared
    from {{ ref('me_indicator_tracking') }}
    where disaggregation = 'total'
),

threshold as (
    select value as gap_points from {{ ref('ref_programme_thresholds') }} where threshold = 'burn_delivery_gap_points'
),

per_period as (
    select
        coalesce(budget.budget_line, spending.budget_line) as budget_line,
        coalesce(budget.period, spending.period) as period,
        budget.amount as budget,
        coalesce(spending.spent, 0) as spent,
        coalesce(spending.payments, 0) as payments
    from budget
    full outer join spending on spending.budget_line = budget.budget_line and spending.period = budget.period
),

measured as (
    select
        per_period.*,
        periods.period_start,
        periods.period_end,
        sum(coalesce(per_period.budget, 0)) over to_date as budget_to_date,
        sum(per_period.spent) over to_date as spent_to_date
    from per_period
    left join periods on periods.period = per_period.period
    window to_date as (partition by per_period.budget_line order by periods.period_start
                       rows between unbounded preceding and current row)
)

select
    measured.budget_line,
    lines.budget_line_en,
    lines.budget_line_fr,
    lines.activity_code,
    outputs.output_indicator_code,
    lines.currency,
    measured.period,
    measured.period_start,
    measured.period_end,
    measured.budget,
    measured.spent,
    measured.payments,
    round(measured.spent / nullif(measured.budget, 0), 4) as burn_rate,
    measured.budget_to_date,
    measured.spent_to_date,
    round(measured.spent_to_date / nullif(measured.budget_to_date, 0), 4) as burn_rate_to_date,
    measured.spent > coalesce(measured.budget, 0) as is_overspent,
    delivery.percent_achieved as output_percent_achieved,
    round(100 * measured.spent / nullif(measured.budget, 0) - delivery.percent_compared, 1)
        as burn_delivery_gap_points,
    case
        when coalesce(measured.budget, 0) = 0 then 'unbudgeted'
        when delivery.percent_achieved is null then 'no_delivery_measure'
        when 100 * measured.spent / measured.budget - delivery.percent_compared > threshold.gap_points
            then 'ahead_of_delivery'
        when delivery.percent_compared - 100 * measured.spent / measured.budget > threshold.gap_points
            then 'behind_delivery'
        else 'in_step'
    end as spending_flag,
    threshold.gap_points as gap_threshold_points
from measured
left join lines on lines.budget_line = measured.budget_line
left join outputs on outputs.activity_code = lines.activity_code
left join delivery on delivery.indicator_code = outputs.output_indicator_code and delivery.period = measured.period
cross join threshold
