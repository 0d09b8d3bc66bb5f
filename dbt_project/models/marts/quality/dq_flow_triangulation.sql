-- Flow monitoring's two forms against each other, per point and day the survey interviewed
-- travellers: the travellers the survey met (consented interviews without a blocking issue,
-- respondents and the members of their groups) against the individuals the registry
-- counted at that point that day (groups without a blocking issue). The survey interviews
-- a sample of the travellers counted, so a day with more travellers surveyed than
-- max_value times those counted, or surveyed at a point that counted nobody, means one of
-- the forms is wrong (a wrong point or date, groups not entered): rule
-- survey_exceeds_count of ref_dq_rules, for the officer to look at both.
with threshold as (
    select coalesce(max_value, 1) as max_ratio
    from {{ ref('ref_dq_rules') }}
    where form = 'dtm_flow_survey' and rule = 'survey_exceeds_count'
),

members as (
    select submission_id, count(*) as members from {{ ref('cln_dtm_flow_survey_members') }} group by submission_id
),

surveyed as (
    select interviews.fmp_id, interviews.survey_date as day, count(*) as interviews,
           count(*) + coalesce(sum(members.members), 0) as travellers_surveyed
    from {{ ref('cln_dtm_flow_survey_interviews') }} as interviews
    left join members using (submission_id)
    where interviews.has_consented and not interviews.has_blocking_issue
    group by all
),

counted as (
    select fmp_id, count_date as day, count(*) as groups_counted, sum(total_individuals) as individuals_counted
    from {{ ref('cln_dtm_flow_counts') }}
    where not has_blocking_issue
    group by all
)

select
    surveyed.fmp_id,
    points.name as fmp_name,
    surveyed.day,
    surveyed.interviews,
    surveyed.travellers_surveyed,
    coalesce(counted.groups_counted, 0) as groups_counted,
    coalesce(counted.individuals_counted, 0) as individuals_counted,
    surveyed.travellers_surveyed / nullif(counted.individuals_counted, 0) as surveyed_per_counted,
    coalesce(counted.individuals_counted, 0) = 0
        or surveyed.travellers_surveyed > threshold.max_ratio * counted.individuals_counted as is_inconsistent,
    case
        when coalesce(counted.individuals_counted, 0) = 0 then 'surveyed at a point that counted nobody that day'
        when surveyed.travellers_surveyed > threshold.max_ratio * counted.individuals_counted
            then 'more travellers surveyed than counted'
    end as finding
from surveyed
cross join threshold
left join counted using (fmp_id, day)
left join {{ ref('ref_flow_monitoring_points') }} as points on points.fmp_id = surveyed.fmp_id
order by surveyed.fmp_id, surveyed.day
