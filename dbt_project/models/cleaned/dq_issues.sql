-- Every data-quality finding, one row per submission and rule, on the data as the
-- cleaning log corrected it. Rules, severities and thresholds come from the ref_dq_rules
-- seed. `value` shows what tripped the rule and never carries a personal field.
{% set box = var('car_bounding_box') %}
with assessments as (
    select * from {{ ref('cln_dtm_locality_corrected') }}
),

rounds as (
    select * from {{ ref('ref_dtm_rounds') }} where form = 'dtm_locality'
),

-- log(1 + individuals) per prefecture and round, with its median and MAD, for the robust
-- outlier rule: DTM counts are skewed, so a z-score on the raw scale would flag every
-- large site and miss a typo in a small one.
idp_log as (
    select submission_id, round, admin1_pcode, idp_individuals, ln(1 + idp_individuals) as log_idp
    from assessments
    where idp_individuals > 0
),

idp_spread as (
    select round, admin1_pcode, median(log_idp) as median_log
    from idp_log group by round, admin1_pcode
),

idp_mad as (
    select idp_log.round, idp_log.admin1_pcode, idp_spread.median_log,
           median(abs(idp_log.log_idp - idp_spread.median_log)) as mad_log
    from idp_log join idp_spread using (round, admin1_pcode)
    group by idp_log.round, idp_log.admin1_pcode, idp_spread.median_log
),

admin2_centres as (
    select round, admin2_pcode, median(gps_latitude) as centre_latitude, median(gps_longitude) as centre_longitude
    from assessments
    where gps_latitude between {{ box.min_latitude }} and {{ box.max_latitude }}
      and gps_longitude between {{ box.min_longitude }} and {{ box.max_longitude }}
    group by round, admin2_pcode
),

enumerator_days as (
    select enumerator_id, cast(interview_started_at as date) as interview_day, count(*) as interviews
    from assessments
    where interview_started_at is not null
    group by enumerator_id, interview_day
),

rules as (
    select * from {{ ref('ref_dq_rules') }}
),

admin2 as (
    select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
),

ranked as (
    select
        submission_id,
        locality_name,
        first_value(submission_id) over same_place as first_submission_id
    from assessments
    window same_place as (
        partition by round, admin2_pcode, lower(locality_name) order by submission_id
    )
),

findings as (
    select submission_id, 'duplicate_submission' as rule,
           'same locality as submission ' || first_submission_id as value
    from ranked
    where submission_id <> first_submission_id

    union all
    select submission_id, 'unknown_admin2_pcode', admin2_pcode
    from assessments
    where admin2_pcode not in (select pcode from admin2)

    union all
    select assessments.submission_id, 'admin2_outside_admin1',
           assessments.admin2_pcode || ' is not in ' || assessments.admin1_pcode
    from assessments
    join admin2 on admin2.pcode = assessments.admin2_pcode
    where admin2.parent_pcode <> assessments.admin1_pcode

    union all
    select submission_id, 'idp_household_size',
           idp_individuals || ' individuals in ' || idp_households || ' households'
    from assessments, rules
    where rules.rule = 'idp_household_size'
      and idp_individuals > 0
      and (idp_households = 0
           or idp_individuals / idp_households not between rules.min_value and rules.max_value)

    union all
    select submission_id, 'returnee_household_size',
           returnee_internal_individuals || ' individuals in ' || returnee_internal_households || ' households'
    from assessments, rules
    where rules.rule = 'returnee_household_size'
      and returnee_internal_individuals > 0
      and (returnee_internal_households = 0
           or returnee_internal_individuals / returnee_internal_households
              not between rules.min_value and rules.max_value)

    union all
    select submission_id, 'idp_breakdown_mismatch',
           'breakdown ' || (idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
                            + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60)
           || ' vs total ' || idp_individuals
    from assessments
    where has_idps
      and idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
          + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60 <> idp_individuals

    union all
    select submission_id, 'gps_outside_car', gps_latitude || ' ' || gps_longitude
    from assessments
    where gps_latitude not between {{ box.min_latitude }} and {{ box.max_latitude }}
       or gps_longitude not between {{ box.min_longitude }} and {{ box.max_longitude }}

    union all
    select idp_log.submission_id, 'idp_individuals_outlier',
           idp_log.idp_individuals || ' individuals, robust z '
           || round(abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log), 1)
    from idp_log
    join idp_mad using (round, admin1_pcode)
    join rules on rules.rule = 'idp_individuals_outlier'
    where idp_mad.mad_log > 0
      and abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log) > rules.max_value

    union all
    select assessments.submission_id, 'gps_far_from_admin2',
           round({{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                                'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }})
           || ' km from the sub-prefecture''s other localities'
    from assessments
    join admin2_centres using (round, admin2_pcode)
    join rules on rules.rule = 'gps_far_from_admin2'
    where {{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                         'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }} > rules.max_value

    union all
    select assessments.submission_id, 'interview_outside_round',
           'started ' || cast(assessments.interview_started_at as date)
           || coalesce(', round ' || rounds.collection_start || ' to ' || rounds.collection_end, ', round not in ref_dtm_rounds')
    from assessments
    left join rounds on rounds.round = assessments.round
    where assessments.interview_started_at > current_timestamp
       or rounds.round is null
       or cast(assessments.interview_started_at as date) not between rounds.collection_start and rounds.collection_end

    union all
    select submission_id, 'interview_duration',
           round(epoch(interview_ended_at - interview_started_at) / 60) || ' minutes'
    from assessments, rules
    where rules.rule = 'interview_duration'
      and epoch(interview_ended_at - interview_started_at) / 60 not between rules.min_value and rules.max_value

    union all
    select assessments.submission_id, 'enumerator_productivity',
           enumerator_days.interviews || ' interviews on ' || enumerator_days.interview_day
    from assessments
    join enumerator_days
        on enumerator_days.enumerator_id = assessments.enumerator_id
        and enumerator_days.interview_day = cast(assessments.interview_started_at as date)
    join rules on rules.rule = 'enumerator_productivity'
    where enumerator_days.interviews > rules.max_value
)

select
    'dtm_locality' as form,
    findings.submission_id,
    assessments.enumerator_id,
    findings.rule,
    rules.field,
    findings.value,
    rules.severity,
    rules.description,
    current_timestamp as detected_at
from findings
join rules on rules.rule = findings.rule and rules.form = 'dtm_locality'
join assessments on assessments.submission_id = findings.submission_id
