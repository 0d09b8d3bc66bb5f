{#- The locality assessment's data-quality rules (form dtm_locality), on the data as the
    cleaning log corrected it: a select of (form, submission_id, rule, field, value) for
    dq_issues, field null where the issue is the rule's field in ref_dq_rules. -#}
{% macro dq_rules_dtm_locality() -%}
select 'dtm_locality' as form, submission_id, rule, field, value
from (
    with assessments as (
        select * from {{ ref('cln_dtm_locality_corrected') }}
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

    {%- set box = var('car_bounding_box') %}

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

    locality_rules as (
        select * from rules where form = 'dtm_locality'
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

    -- key informants of one locality far apart on its IDPs: the informant furthest from the
    -- assessment's figure, so that the team checks that estimate
    informants as (
        select *, min(informant_idp_estimate) over locality as lowest, max(informant_idp_estimate) over locality
               as highest, count(*) over locality as estimates
        from {{ ref('cln_dtm_locality__key_informants_corrected') }}
        where informant_idp_estimate > 0
        window locality as (partition by submission_id)
    )

    -- a second assessment of the same locality, sub-prefecture and round (its name, not its
    -- answers: the first one received is kept)
    select submission_id, 'duplicate_submission' as rule, null as field,
           'same locality as submission ' || first_submission_id as value
    from ranked
    where submission_id <> first_submission_id

    union all
    select submission_id, rule, null, value from ({{ dq_pcode_rules('assessments') }})

    union all
    select submission_id, rule, null, value from (
        {{ dq_rule_household_size('assessments', 'dtm_locality', 'idp_individuals', 'idp_households',
                                  rule='idp_household_size') }}
    )

    union all
    select submission_id, rule, null, value from (
        {{ dq_rule_household_size('assessments', 'dtm_locality', 'returnee_internal_individuals',
                                  'returnee_internal_households', rule='returnee_household_size') }}
    )

    union all
    select submission_id, rule, null, value from (
        {{ dq_rule_breakdown_mismatch('assessments', 'idp_', 'idp_individuals', rule='idp_breakdown_mismatch',
                                      where='has_idps') }}
    )

    union all
    select submission_id, rule, null, value from ({{ dq_rule_gps_outside_car('assessments') }})

    union all
    select idp_log.submission_id, 'idp_individuals_outlier', null,
           idp_log.idp_individuals || ' individuals, robust z '
           || round(abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log), 1)
    from idp_log
    join idp_mad using (round, admin1_pcode)
    join locality_rules on locality_rules.rule = 'idp_individuals_outlier'
    where idp_mad.mad_log > 0
      and abs(idp_log.log_idp - idp_mad.median_log) / (1.4826 * idp_mad.mad_log) > locality_rules.max_value

    union all
    select assessments.submission_id, 'gps_far_from_admin2', null,
           round({{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                                'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }})
           || ' km from the sub-prefecture''s other localities'
    from assessments
    join admin2_centres using (round, admin2_pcode)
    join locality_rules on locality_rules.rule = 'gps_far_from_admin2'
    where {{ distance_km('assessments.gps_latitude', 'assessments.gps_longitude',
                         'admin2_centres.centre_latitude', 'admin2_centres.centre_longitude') }} > locality_rules.max_value

    union all
    select submission_id, rule, null, value from ({{ dq_rule_interview_outside_round('assessments', 'dtm_locality') }})

    union all
    select submission_id, rule, null, value from ({{ dq_rule_interview_duration('assessments', 'dtm_locality') }})

    union all
    select assessments.submission_id, 'enumerator_productivity', null,
           enumerator_days.interviews || ' interviews on ' || enumerator_days.interview_day
    from assessments
    join enumerator_days
        on enumerator_days.enumerator_id = assessments.enumerator_id
        and enumerator_days.interview_day = cast(assessments.interview_started_at as date)
    join locality_rules on locality_rules.rule = 'enumerator_productivity'
    where enumerator_days.interviews > locality_rules.max_value

    union all
    select informants.submission_id, 'key_informants_disagree',
           {{ repeat_cell_address('key_informants', ['informant_position'], 'informant_idp_estimate', 'informants') }},
           informants.informant_idp_estimate || ' IDP individuals by this informant; the informants from '
           || informants.lowest || ' to ' || informants.highest || ', the assessment ' || assessments.idp_individuals
    from informants
    join assessments using (submission_id)
    join locality_rules on locality_rules.rule = 'key_informants_disagree'
    where informants.estimates >= 2 and informants.highest > locality_rules.max_value * informants.lowest
    qualify row_number() over (
        partition by informants.submission_id
        order by abs(ln(informants.informant_idp_estimate / greatest(assessments.idp_individuals, 1))) desc,
                 informants.informant_position) = 1
)
{%- endmacro %}
