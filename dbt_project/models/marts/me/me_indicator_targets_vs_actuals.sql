-- Every target of the results framework beside what was achieved for it, one row per
-- indicator and target: each reporting period's (ref_indicator_targets), the midline's and
-- the endline's (ref_indicator_milestones) and the life of the project's
-- (ref_results_framework). A period's target is set against the period's actual; a
-- milestone's and the project's against the value to date (me_indicator_tracking's
-- cumulative: people counted once since the start, sessions added up, the latest score or
-- share) of the latest period begun by the milestone's due date and by the day the figures
-- are as of. % achieved measured from the baseline, the plain ratio beside it, as in
-- me_indicator_tracking. Targets are set on totals only.
-- A survey-measured actual is published as its measurement is (serving/disclosure.py): the
-- row carries the indicator's data_source and the respondents of the total row its actual
-- comes from, the period's own or, for a value to date, the latest one measured by then,
-- so the same small-count rule withholds it, its percentages and its status.
with totals as (
    select
        *,
        -- the respondents of the latest total row measured up to this period (respondents above
        -- zero): the measurement a score's or share's cumulative repeats, the row whose
        -- withholding withholds the cumulative in me_indicator_tracking (disclosure.CARRIED)
        last_value(case when respondents > 0 then respondents end ignore nulls) over (
            partition by indicator_code order by period_start
            rows between unbounded preceding and current row) as respondents_to_date
    from {{ ref('me_indicator_tracking') }}
    where disaggregation = 'total'
),

framework as (
    select * from {{ ref('ref_results_framework') }}
),

targets as (
    select indicator_code, 'period' as target_type, targets.period as target_name, 1 as target_order,
           periods.period_end as due_date, target
    from {{ ref('ref_indicator_targets') }} as targets
    join {{ ref('ref_reporting_periods') }} as periods using (period)
    union all
    select indicator_code, milestone as target_type, milestone as target_name,
           case milestone when 'midline' then 2 else 3 end, due_date, target
    from {{ ref('ref_indicator_milestones') }}
    union all
    select indicator_code, 'life_of_project', 'life_of_project', 4, null::date, life_of_project_target
    from framework
    where life_of_project_target is not null
),

-- the row of me_indicator_tracking each target is measured by
measured as (
    select
        targets.*,
        totals.period as measured_through,
        case when targets.target_type = 'period' then totals.actual else totals.cumulative end as actual,
        case when targets.target_type = 'period' then totals.percent_achieved_to_date end as percent_achieved_to_date,
        case when targets.target_type = 'period' then totals.is_prorated else false end as is_prorated,
        case when targets.target_type = 'period' then totals.respondents else totals.respondents_to_date end
            as respondents
    from targets
    left join totals
        on totals.indicator_code = targets.indicator_code
        and case when targets.target_type = 'period' then totals.period = targets.target_name
                 else totals.period_start <= least(coalesce(targets.due_date, {{ as_of_date() }}), {{ as_of_date() }})
            end
    qualify row_number() over (
        partition by targets.indicator_code, targets.target_type, targets.target_name
        order by totals.period_start desc nulls last) = 1
),

judged as (
    select
        measured.indicator_code,
        framework.parent_code,
        framework.level,
        framework.indicator_en,
        framework.indicator_fr,
        framework.unit,
        framework.baseline,
        measured.target_type,
        measured.target_name,
        measured.target_order,
        measured.due_date,
        coalesce(measured.due_date <= {{ as_of_date() }}, false) as is_due,
        measured.target,
        measured.actual,
        measured.measured_through,
        round(100 * measured.actual / nullif(measured.target, 0), 1) as percent_of_target,
        round(100 * (measured.actual - framework.baseline) / nullif(measured.target - framework.baseline, 0), 1)
            as percent_achieved,
        measured.is_prorated,
        -- a period's status is judged to date (its target pro-rated while a count's period runs);
        -- a milestone's or the project's on the value reached so far against the whole target
        coalesce(measured.percent_achieved_to_date,
                 round(100 * (measured.actual - framework.baseline) / nullif(measured.target - framework.baseline, 0), 1))
            as percent_achieved_to_date,
        measured.respondents,
        framework.data_source
    from measured
    join framework using (indicator_code)
)

-- the status band (macros/indicator_status.sql) of a period's target, and of a milestone's or
-- the project's once due; none before (its figures are progress so far), nor where nothing
-- was measured or the target equals the baseline
select
    *,
    case when target_type = 'period' or is_due then {{ indicator_status('percent_achieved_to_date') }} end as status
from judged
