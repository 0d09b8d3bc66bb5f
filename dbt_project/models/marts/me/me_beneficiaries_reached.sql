-- People reached by the programme's activities, each counted once however many activities
-- they attended, by sub-prefecture, sex, age group, displacement status and disability.
-- A person is placed where they were first reached (so the rows add up to the programme's
-- total), and described as on their latest attendance; their disability status is
-- cln_me_activity_participants' (the WG-SS cut-off on their WG answers, else their own
-- answer), disability_source saying which. Attendance at sessions with a
-- blocking data-quality issue does not count. `respondents` repeats `people` for the
-- serving layer's minimum-count suppression (cells of a few people can identify them).
with attendance as (
    select * from {{ ref('cln_me_activity_participants') }}
    where not has_blocking_issue
),

people as (
    select
        person_key,
        arg_min(admin1_pcode, (activity_date, submission_id, beneficiary_position)) as admin1_pcode,
        arg_min(admin1_name, (activity_date, submission_id, beneficiary_position)) as admin1_name,
        arg_min(admin2_pcode, (activity_date, submission_id, beneficiary_position)) as admin2_pcode,
        arg_min(admin2_name, (activity_date, submission_id, beneficiary_position)) as admin2_name,
        arg_max(beneficiary_sex, (activity_date, submission_id, beneficiary_position)) as sex,
        arg_max(age_group, (activity_date, submission_id, beneficiary_position)) as age_group,
        arg_max(displacement_status, (activity_date, submission_id, beneficiary_position)) as displacement_status,
        arg_max(disability, (activity_date, submission_id, beneficiary_position)) as disability,
        arg_max(disability_source, (activity_date, submission_id, beneficiary_position)) as disability_source,
        count(*) as participations,
        count(distinct activity_code) as activities
    from attendance
    group by person_key
),

counted as (
    select
        admin1_pcode, admin1_name, admin2_pcode, admin2_name, sex, age_group, displacement_status, disability,
        disability_source,
        count(*) as people,
        sum(participations) as participations,
        count(*) filter (where activities > 1) as people_in_several_activities
    from people
    group by all
)

select
    counted.admin1_pcode,
    counted.admin1_name,
    counted.admin2_pcode,
    counted.admin2_name,
    counted.sex,
    sex.label_en as sex_label_en,
    sex.label_fr as sex_label_fr,
    counted.age_group,
    {{ age_group_label('counted.age_group', 'en') }} as age_group_label_en,
    {{ age_group_label('counted.age_group', 'fr') }} as age_group_label_fr,
    counted.displacement_status,
    displacement.label_en as displacement_status_label_en,
    displacement.label_fr as displacement_status_label_fr,
    counted.disability,
    disability.label_en as disability_label_en,
    disability.label_fr as disability_label_fr,
    counted.disability_source,
    {{ disability_label('counted.disability_source', 'en') }} as disability_source_label_en,
    {{ disability_label('counted.disability_source', 'fr') }} as disability_source_label_fr,
    counted.people,
    counted.participations,
    counted.people_in_several_activities,
    counted.people as respondents
from counted
{{ join_choice_labels('me_activity', 'sex', 'counted.sex', 'sex') }}
{{ join_choice_labels('me_activity', 'displacement_status', 'counted.displacement_status', 'displacement') }}
{{ join_choice_labels('me_activity', 'yes_no', 'counted.disability', 'disability') }}
