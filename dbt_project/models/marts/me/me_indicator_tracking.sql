-- The indicator performance tracking table of the community stabilization programme: one
-- row per indicator of the results framework (ref_results_framework), reporting period
-- (ref_reporting_periods) and disaggregation (total, sex, age group, displacement status,
-- disability, as the framework lists for the indicator), with the baseline, the target of
-- the period (ref_indicator_targets) and of the life of the project, the actual value of
-- the period, the cumulative value to the end of the period and the % achieved, measured
-- from the baseline ((actual - baseline) / (target - baseline)) with the plain ratio beside it,
-- and the total's status band (on track, behind, off track: macros/indicator_status.sql).
--   unique_people        people attending the indicator's activities, each counted once
--                        (per period; cumulative: once over the project to date)
--   sessions             sessions held (cumulative: running total)
--   perception_index     mean over respondents of their mean score on the index's items,
--                        "don't know" left out (cumulative: the latest measurement)
--   pdm_share_satisfied  % of households that received the assistance rating it 4 or 5
--                        (cumulative: the latest measurement)
-- Every indicator has a total row for every period; disaggregated rows exist from the
-- first period with data. Targets are set on totals only. Submissions with a blocking
-- data-quality issue do not count.
-- Disability is the cleaned models' status (macros/disability.sql): the Washington Group
-- short set's cut-off where the person's WG answers are known, else, for attendance, the
-- person's own answer; respondents whose status is not known (asked before the surveys'
-- version 3) are in the total only. disability_from_washington_group says how many of a
-- disability row's people or respondents were classified by their WG answers.
with framework as (
    select *, coalesce(string_split(nullif(trim(activity_codes), ''), ' '), []) as activity_list
    from {{ ref('ref_results_framework') }}
),

periods as (
    select * from {{ ref('ref_reporting_periods') }}
),

attendance as (
    select * from {{ ref('cln_me_activity_participants') }} where not has_blocking_issue
),

sessions as (
    select * from {{ ref('cln_me_activity_sessions') }} where not has_blocking_issue
),

perception as (
    select * from {{ perception_counted(ref('cln_me_perception_interviews')) }} as interviews
),

-- each respondent's mean score on an index's items (macros/perception.sql, as in the
-- perception marts); one who scored none of them is not measured
perception_means as (
    select submission_id, domain, respondent_mean
    from ({{ perception_respondent_means(ref('cln_me_perception_interviews')) }}) as means
    where respondent_mean is not null
),

pdm as (
    select * from {{ pdm_counted(ref('cln_me_pdm_interviews')) }} as interviews
    where received_assistance and satisfaction is not null
),

-- one row per thing measured: a person at a session, a session, a respondent's index, a
-- household's satisfaction; unit_key is what is counted once, value what is averaged
observations as (
    select framework.indicator_code, attendance.activity_date as observed_on, attendance.person_key as unit_key,
           null::double as value, attendance.beneficiary_sex as sex, attendance.age_group,
           attendance.displacement_status, attendance.disability, attendance.disability_source
    from attendance
    join framework
        on framework.measure = 'unique_people'
        and (len(framework.activity_list) = 0 or list_contains(framework.activity_list, attendance.activity_code))

    union all
    select framework.indicator_code, sessions.activity_date, cast(sessions.submission_id as varchar), null,
           null, null, null, null, null
    from sessions
    join framework
        on framework.measure = 'sessions'
        and (len(framework.activity_list) = 0 or list_contains(framework.activity_list, sessions.activity_code))

    union all
    select framework.indicator_code, perception.interview_date, cast(perception.submission_id as varchar),
           perception_means.respondent_mean, perception.respondent_sex, perception.respondent_age_group,
           perception.respondent_displacement_status, perception.disability, perception.disability_source
    from perception_means
    join perception on perception.submission_id = perception_means.submission_id
    join framework on framework.measure = 'perception_index' and framework.perception_domain = perception_means.domain

    union all
    select framework.indicator_code, pdm.interview_date, cast(pdm.submission_id as varchar),
           case when {{ pdm_satisfied('pdm.satisfaction') }} then 100.0 else 0.0 end, pdm.respondent_sex, pdm.respondent_age_group,
           null, pdm.disability, pdm.disability_source
    from pdm
    join framework
        on framework.measure = 'pdm_share_satisfied'
        and (len(framework.activity_list) = 0 or list_contains(framework.activity_list, pdm.activity_code))
),

-- cell is the unnested struct and cell.x its fields, which sqlfluff takes for the columns of a table
-- noqa: disable=RF01
disaggregated as (
    select observations.indicator_code, observations.observed_on, observations.unit_key, observations.value,
           cell.disaggregation as disaggregation, cell.disaggregation_value as disaggregation_value,
           cell.disaggregation = 'disability' and observations.disability_source = 'washington_group'
               as is_by_washington_group
    from observations
    join framework using (indicator_code),
    unnest([
        {'disaggregation': 'total', 'disaggregation_value': 'total'},
        {'disaggregation': 'sex', 'disaggregation_value': observations.sex},
        {'disaggregation': 'age_group', 'disaggregation_value': observations.age_group},
        {'disaggregation': 'displacement_status', 'disaggregation_value': observations.displacement_status},
        {'disaggregation': 'disability', 'disaggregation_value': observations.disability}
    ]) as cells (cell)
    where cell.disaggregation_value is not null
      and (cell.disaggregation = 'total'
           or list_contains(string_split(coalesce(framework.disaggregated_by, ''), ' '), cell.disaggregation))
),
-- noqa: enable=RF01

measured as (
    select
        disaggregated.indicator_code,
        periods.period,
        disaggregated.disaggregation,
        disaggregated.disaggregation_value,
        count(distinct disaggregated.unit_key)
            filter (where disaggregated.observed_on between periods.period_start and periods.period_end) as units_in_period,
        count(distinct disaggregated.unit_key) as units_to_date,
        avg(disaggregated.value)
            filter (where disaggregated.observed_on between periods.period_start and periods.period_end) as mean_in_period,
        count(distinct disaggregated.unit_key)
            filter (where disaggregated.observed_on between periods.period_start and periods.period_end
                    and disaggregated.is_by_washington_group) as units_by_washington_group
    from disaggregated
    join periods on disaggregated.observed_on <= periods.period_end
    group by all
),

-- every indicator and period has a total row, measured or not
spine as (
    select framework.indicator_code, periods.period, 'total' as disaggregation, 'total' as disaggregation_value
    from framework cross join periods
    union
    select indicator_code, period, disaggregation, disaggregation_value from measured
),

valued as (
    select
        spine.*,
        periods.period_start,
        periods.period_end,
        framework.measure,
        coalesce(measured.units_in_period, 0) as units_in_period,
        coalesce(measured.units_to_date, 0) as units_to_date,
        case when spine.disaggregation = 'disability' then coalesce(measured.units_by_washington_group, 0) end
            as units_by_washington_group,
        least(1.0, greatest(0.0, (date_diff('day', periods.period_start, {{ as_of_date() }}) + 1)
                                 / (date_diff('day', periods.period_start, periods.period_end) + 1)))
            as share_of_period_elapsed,
        case
            when framework.measure in ('unique_people', 'sessions') then coalesce(measured.units_in_period, 0)
            when framework.measure = 'perception_index' then round(measured.mean_in_period, 3)
            when framework.measure = 'pdm_share_satisfied' then round(measured.mean_in_period, 1)
        end as actual
    from spine
    join framework using (indicator_code)
    join periods using (period)
    left join measured using (indicator_code, period, disaggregation, disaggregation_value)
),

labels as (
    select choice_list, choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'me_activity' and choice_list in ('sex', 'displacement_status', 'yes_no')
),

tracking as (
    select
        valued.indicator_code,
        framework.parent_code,
        framework.level,
        framework.indicator_en,
        framework.indicator_fr,
        framework.unit,
        valued.period,
        valued.period_start,
        valued.period_end,
        valued.disaggregation,
        valued.disaggregation_value,
        case valued.disaggregation
            when 'total' then 'Total'
            when 'age_group' then {{ age_group_label('valued.disaggregation_value', 'en') }}
            else labels.label_en end as disaggregation_value_label_en,
        case valued.disaggregation
            when 'total' then 'Total'
            when 'age_group' then {{ age_group_label('valued.disaggregation_value', 'fr') }}
            else labels.label_fr end as disaggregation_value_label_fr,
        case when valued.disaggregation = 'total' then framework.baseline end as baseline,
        case when valued.disaggregation = 'total' then targets.target end as target,
        case when valued.disaggregation = 'total' then framework.life_of_project_target end as life_of_project_target,
        valued.actual,
        case
            when valued.measure in ('unique_people', 'sessions') then valued.units_to_date
            else last_value(valued.actual ignore nulls) over (
                partition by valued.indicator_code, valued.disaggregation, valued.disaggregation_value
                order by valued.period_start rows between unbounded preceding and current row)
        end as cumulative,
        -- the plain ratio, beside the % achieved measured from the baseline: an indicator still
        -- at its baseline has achieved nothing, whatever its ratio to the target
        case when valued.disaggregation = 'total'
             then round(100 * valued.actual / nullif(targets.target, 0), 1) end as percent_of_target,
        case when valued.disaggregation = 'total'
             then round(100 * (valued.actual - framework.baseline)
                        / nullif(targets.target - framework.baseline, 0), 1) end as percent_achieved,
        -- a count grows while its period runs: until the period ends it is judged against the
        -- target pro-rated to the share of the period elapsed at the build (as_of_date); a score
        -- or share is a level, judged against the whole target
        valued.share_of_period_elapsed,
        valued.measure in ('unique_people', 'sessions') and valued.share_of_period_elapsed < 1 as is_prorated,
        case when valued.disaggregation = 'total'
             then round(100 * (valued.actual - framework.baseline)
                        / nullif((case when valued.measure in ('unique_people', 'sessions')
                                       then valued.share_of_period_elapsed else 1 end)
                                 * (targets.target - framework.baseline), 0), 1) end as percent_achieved_to_date,
        case when valued.disaggregation = 'total'
             then round(100 * ((case
                      when valued.measure in ('unique_people', 'sessions') then valued.units_to_date
                      else last_value(valued.actual ignore nulls) over (
                          partition by valued.indicator_code, valued.disaggregation, valued.disaggregation_value
                          order by valued.period_start rows between unbounded preceding and current row)
                  end) - framework.baseline)
                  / nullif(framework.life_of_project_target - framework.baseline, 0), 1) end
            as percent_of_life_of_project_target,
        case when valued.measure = 'sessions' then null else valued.units_in_period end as respondents,
        valued.units_by_washington_group as disability_from_washington_group,
        framework.data_source
    from valued
    join framework using (indicator_code)
    left join {{ ref('ref_indicator_targets') }} as targets
        on targets.indicator_code = valued.indicator_code and targets.period = valued.period
    left join labels
        on labels.choice_code = valued.disaggregation_value
        and labels.choice_list = case valued.disaggregation
            when 'sex' then 'sex' when 'displacement_status' then 'displacement_status' when 'disability' then 'yes_no' end
)

-- the status band of a total row (macros/indicator_status.sql), read from its % achieved to
-- date; none on the categories, nor where the period has no target or nothing was measured
select
    *,
    {{ indicator_status('percent_achieved_to_date') }} as status
from tracking
