-- The expensive half of dq_answer_issues: every answer of every payload parsed and judged
-- against its question in the form version the enumerator used (stg_kobo__form_questions
-- and stg_kobo__form_choices): a count that is not a number or is negative, a date that is
-- not a date, a code not in the question's choice list, a malformed GPS point, text with
-- control characters or far too long, a required answer missing. Read from raw's payload
-- on purpose: staging's casts would turn a bad answer into a blank and hide it. Repeat
-- groups' answers are not examined here.
--
-- Incremental, append only: a build parses only the payloads landed since the last one
-- (new submissions, and edits, which replace the payload and its landed_at). Each finding
-- keeps the landed_at of the payload it was found in, and dq_answer_issues keeps only the
-- findings of each submission's current payload, so an edit's old findings and a deleted
-- submission's drop out there without being deleted here. A row without a rule per form and
-- build records the newest landed_at the build read: the next build starts after it, even
-- when it found nothing. Rebuild with --full-refresh after changing how a rule judges answers.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with questions as (
    select dataset, version_id, question_path, question_type, choice_list, is_required, relevance
    from {{ ref('stg_kobo__form_questions') }}
),

choices as (
    select dataset, version_id, choice_list, choice_code from {{ ref('stg_kobo__form_choices') }}
),

-- Not materialized (this CTE and typed): DuckDB materializes a CTE named more than once, and
-- at a million submissions a cold build kept every payload (checked) and every answer twice
-- (answers, then typed): dbt's cleaned layer peaked at 5.4 GiB RSS against a 3 GB
-- memory_limit, for a model of about a thousand rows; 4.2 GiB without the two copies. Read
-- twice instead: the raw tables (the last branch reads only landed_at) and answers joined to
-- the small questions table again in each branch.
checked as not materialized (
    -- the payloads landed (new, or replaced by an edit) since the last build
    {%- for dataset in var('kobo_datasets') %}
    select '{{ dataset }}' as dataset, s._id as submission_id, s.landed_at, s.form_version, s.payload
    from {{ source('kobo', 'kobo_' ~ dataset) }} as s
    where s.deleted_at is null
    {%- if is_incremental() %}
      and s.landed_at > (select coalesce(max(landed_at), '-infinity'::timestamptz) from {{ this }}
                         where dataset = '{{ dataset }}')
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

answers as (
    select s.dataset, s.submission_id, s.landed_at, s.form_version,
           s.payload ->> '$."grp_general/enumerator_id"' as enumerator_id,
           answer.key as field_path, answer.value ->> '$' as value
    from checked as s, json_each(s.payload) as answer
    where json_type(answer.value) = 'VARCHAR'
),

typed as not materialized (
    select answers.*, questions.question_type, questions.choice_list
    from answers
    join questions
        on questions.dataset = answers.dataset
        and questions.version_id = answers.form_version
        and questions.question_path = answers.field_path
),

findings as (
    -- the first branch names the columns
    select dataset, submission_id, landed_at, enumerator_id, field_path,
           'answer_not_a_number' as rule, left(value, 80) as value
    from typed
    -- a regular expression, not a cast: DuckDB would round '12.5' to 13 without a word
    where question_type = 'integer' and not regexp_full_match(trim(value), '-?[0-9]+')
       or question_type = 'decimal' and try_cast(value as double) is null

    union all
    select dataset, submission_id, landed_at, enumerator_id, field_path, 'negative_number', value
    from typed
    where question_type in ('integer', 'decimal') and try_cast(value as double) < 0

    union all
    select dataset, submission_id, landed_at, enumerator_id, field_path, 'invalid_date', left(value, 80)
    from typed
    where question_type in ('date', 'today') and try_cast(value as date) is null
       or question_type in ('start', 'end', 'datetime') and try_cast(value as timestamptz) is null

    union all
    select typed.dataset, typed.submission_id, typed.landed_at, typed.enumerator_id, typed.field_path,
           'code_not_in_choices', left(code.code, 80)
    from typed, unnest(case when question_type = 'select_multiple' then string_split(trim(value), ' ')
                            else [value] end) as code (code)
    where typed.question_type in ('select_one', 'select_multiple')
      and not exists (
          select 1 from choices
          where choices.dataset = typed.dataset and choices.version_id = typed.form_version
            and choices.choice_list = typed.choice_list and choices.choice_code = code.code)

    union all
    select dataset, submission_id, landed_at, enumerator_id, field_path, 'invalid_geopoint', left(value, 80)
    from typed
    where question_type = 'geopoint'
      and not coalesce(try_cast(split_part(value, ' ', 1) as double) between -90 and 90
                       and try_cast(split_part(value, ' ', 2) as double) between -180 and 180, false)

    union all
    select dataset, submission_id, landed_at, enumerator_id, field_path, 'control_characters',
           left(regexp_replace(value, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '?', 'g'), 80)
    from answers
    where regexp_matches(value, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]')

    union all
    select dataset, submission_id, landed_at, enumerator_id, field_path, 'text_too_long', length(value) || ' characters'
    from answers
    where length(value) > 2000

    union all
    -- required, always asked (no relevance condition on it or on a group around it),
    -- outside repeats, and absent
    select submitted.dataset, submitted.submission_id, submitted.landed_at, submitted.enumerator_id, questions.question_path,
           'missing_required_answer', null
    from (select distinct dataset, submission_id, landed_at, form_version, enumerator_id from answers) as submitted
    join questions
        on questions.dataset = submitted.dataset and questions.version_id = submitted.form_version
    where questions.is_required and questions.relevance is null
      and questions.question_type not in ('begin_group', 'begin_repeat', 'note', 'calculate')
      and not exists (
          select 1 from questions as enclosing
          where enclosing.dataset = questions.dataset and enclosing.version_id = questions.version_id
            and questions.question_path like enclosing.question_path || '/%'
            and (enclosing.question_type = 'begin_repeat'
                 or enclosing.question_type = 'begin_group' and enclosing.relevance is not null))
      and not exists (
          select 1 from answers
          where answers.dataset = submitted.dataset and answers.submission_id = submitted.submission_id
            and answers.field_path = questions.question_path and trim(answers.value) <> '')
)

{#- Declared personal fields never show their value here: only the rule and the field. -#}
{%- set personal = [] %}
{%- for dataset, fields in var('dtm_personal_fields', {}).items() %}
{%- for path in fields %}{% do personal.append("'" ~ dataset ~ "|" ~ path ~ "'") %}{% endfor %}
{%- endfor %}
select
    findings.dataset,
    findings.submission_id,
    findings.landed_at,
    findings.enumerator_id,
    findings.rule,
    findings.field_path as field,
    {% if personal -%}
    case when findings.dataset || '|' || findings.field_path in ({{ personal | join(', ') }}) then null
         else findings.value end as value
    {%- else -%}
    findings.value
    {%- endif %}
from findings

union all
-- one row per form and build with no rule: how far the build read, where the next starts
select dataset, null, max(landed_at), null, null, null, null
from checked
group by dataset
