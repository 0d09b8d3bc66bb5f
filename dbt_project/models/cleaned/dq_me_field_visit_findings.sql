-- The data-quality rules of the field monitoring visits (form me_field_visit), one row per
-- submission and rule, for dq_issues (which adds severity and description from
-- ref_dq_rules). A visit sent twice has the same answers and the same findings as the copy
-- received first: the later one is the duplicate. A visit an officer edited since (a
-- finding closed) is judged as it is now. `value` never carries the dropped free texts.
with visits as (
    select * from {{ ref('stg_kobo__me_field_visit') }}
),

findings as (
    select * from {{ ref('stg_kobo__me_field_visit__findings') }}
),

-- every finding's answers, in order: two submissions with the same visit answers but other
-- findings are two visits, not a copy
findings_fingerprint as (
    select submission_id,
           hash(string_agg(concat_ws('|', finding_category, severity, action_due_date, action_status,
                                     action_closed_date), '#' order by finding_position)) as fingerprint
    from findings
    group by submission_id
),

fingerprinted as (
    select answered.submission_id, hash(answered.answers, findings_fingerprint.fingerprint) as answers
    from (
        -- staging's columns (no cleaning-log ones): the metadata left out by name
        select submission_id,
               {{ dq_answers_fingerprint(dq_metadata_columns() | reject('equalto', 'is_corrected') | list) }} as answers
        from visits
    ) as answered
    left join findings_fingerprint using (submission_id)
),

admin2 as (
    select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
),

plan as (
    select visit_code from {{ ref('ref_monitoring_plan') }}
)

select 'me_field_visit' as form, submission_id, rule, value
from (
    {{ dq_exact_duplicates('fingerprinted') }}

    union all
    {{ dq_pcodes('visits') }}

    union all
    {{ dq_date_in_future('visits', 'visit_date') }}

    union all
    -- a visit the plan does not list (a plan changed after the form was deployed): neither
    -- its planned line nor "unplanned" can be told, so the officer decides
    select submission_id, 'unknown_visit_code', visit_code
    from visits
    where visit_code <> 'unplanned' and visit_code not in (select visit_code from plan)

    union all
    select submission_id, 'finding_closed_without_date',
           'finding ' || string_agg(cast(finding_position as varchar), ', ' order by finding_position)
    from findings
    where action_status = 'closed' and action_closed_date is null
    group by submission_id
)
