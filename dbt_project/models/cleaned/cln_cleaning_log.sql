-- Every entry of the cleaning log with what became of it: the rows a data officer writes in
-- the ref_cleaning_log seed and the answers imported from the field teams' verification
-- workbooks (stg_cleaning__imported_answers). A row may name the form by its registry
-- dataset or by the built-in model it feeds (its kind): corrections apply to the kind's
-- models, which every form of the kind feeds.
--
-- Decisions: change_response (new_value replaces the answer), blank_response (the answer
-- is emptied), no_action (the answer is confirmed: the issue it raised is closed and no
-- longer blocks), remove_survey (the whole submission is kept out of the marts).
--
-- A correction or confirmation holds only while its old value still matches staging:
-- otherwise the data changed since (an edit in Kobo) and the officer must look again
-- (stale_old_value). For one cell the newest change or blank wins (the older are
-- superseded); changes of the same time that disagree are conflicting and none applies.
-- A confirmation answers its own rule and a removal the whole survey: they apply beside a
-- change of the same cell.
{%- set forms = cleaning_log_forms() %}
with seeded as (
    select
        form, submission_id, nullif(field, '') as field, coalesce(decision, 'change_response') as decision,
        old_value, new_value, reason, changed_by, cast(changed_at as timestamp) as changed_at,
        null::varchar as rule, 'seeds/ref_cleaning_log.csv' as source_file,
        cast(row_number() over () + 1 as integer) as source_row
    from {{ ref('ref_cleaning_log') }}
),

imported as (
    select form, submission_id, field, decision, old_value, new_value, reason, changed_by, changed_at,
           rule, source_file, source_row
    from {{ ref('stg_cleaning__imported_answers') }}
),

log as (
    select * replace ({{ kobo_quality_form('form') }} as form)
    from (
        select * from seeded
        union all
        select * from imported
    ) as entries
),

submissions as (
    {%- for form, model in forms.items() %}
    select '{{ form }}' as form, submission_id from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

targets as (
    select * from {{ ref('cln_cleaning_targets') }}
),

judged as (
    select
        log.*,
        targets.current_value,
        case
            when log.decision not in ('change_response', 'blank_response', 'no_action', 'remove_survey')
                then 'unknown_decision'
            when submissions.submission_id is null then 'unknown_submission'
            when log.decision = 'remove_survey' then 'current'
            -- an answer the log cannot correct (outside correctable_fields) can be confirmed
            when targets.field is null and log.decision = 'no_action' then 'current'
            when targets.field is null then 'unknown_field'
            when (targets.current_value is distinct from log.old_value) then 'stale_old_value'
            when log.decision = 'change_response' and (log.new_value is null or case targets.value_type
                    when 'integer' then try_cast(log.new_value as integer) is null
                    when 'double' then try_cast(log.new_value as double) is null
                    when 'date' then try_cast(log.new_value as date) is null
                    when 'boolean' then try_cast(log.new_value as boolean) is null
                    else false end)
                then 'invalid_new_value'
            else 'current'
        end as judgement,
        -- what the entry says the cell should hold, to tell disagreeing entries apart
        case log.decision
            when 'change_response' then 'change:' || log.new_value
            when 'blank_response' then 'blank'
            when 'remove_survey' then 'remove'
            else 'keep'
        end as answer
    from log
    left join submissions
        on submissions.form = log.form and submissions.submission_id = log.submission_id
    left join targets
        on targets.form = log.form and targets.submission_id = log.submission_id and targets.field = log.field
),

cells as (
    -- per cell, the newest change or blank still current and how many different values were
    -- given at that time (a confirmation answers its rule, a removal the survey: neither
    -- competes with a value)
    select form, submission_id, field, changed_at as newest, count(distinct answer) as answers
    from judged
    where judgement = 'current' and decision in ('change_response', 'blank_response')
    group by form, submission_id, field, changed_at
    qualify changed_at is not distinct from max(changed_at) over (partition by form, submission_id, field)
)

select
    judged.form,
    judged.submission_id,
    judged.field,
    judged.decision,
    judged.old_value,
    judged.new_value,
    judged.reason,
    judged.changed_by,
    judged.changed_at,
    judged.rule,
    judged.source_file,
    judged.source_row,
    judged.current_value,
    case
        when judged.judgement <> 'current' then judged.judgement
        when judged.decision not in ('change_response', 'blank_response') then 'applied'
        when (judged.changed_at is distinct from cells.newest) then 'superseded'
        when cells.answers > 1 then 'conflicting'
        else 'applied'
    end as status
from judged
left join cells
    on cells.form = judged.form and cells.submission_id = judged.submission_id
    and cells.field = judged.field
