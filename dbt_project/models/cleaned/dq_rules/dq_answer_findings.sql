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

-- each choice list as one list, so that an answer's codes are looked up in it, not joined
choice_lists as (
    select dataset, version_id, choice_list, list(choice_code) as choice_codes
    from {{ ref('stg_kobo__form_choices') }}
    group by all
),

-- the questions a payload must answer: required, always asked (no relevance condition on
-- them or on a group around them), outside repeats; per form version, as one list
required as (
    select questions.dataset, questions.version_id, list(questions.question_path) as question_paths
    from questions
    where questions.is_required and questions.relevance is null
      and questions.question_type not in ('begin_group', 'begin_repeat', 'note', 'calculate')
      and not exists (
          select 1 from questions as enclosing
          where enclosing.dataset = questions.dataset and enclosing.version_id = questions.version_id
            and questions.question_path like enclosing.question_path || '/%'
            and (enclosing.question_type = 'begin_repeat'
                 or enclosing.question_type = 'begin_group' and enclosing.relevance is not null))
    group by questions.dataset, questions.version_id
),

-- Not materialized, nor is parsed: read twice (for the answers, and for the required
-- questions) and the last branch reads only landed_at; a copy would be held whole.
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

-- Each payload read as a map of its keys (the questions' full paths) to their answers, in
-- the scan itself. A lateral json_each(payload) is planned as a join on the payload: DuckDB
-- gathered every distinct payload into a hash table first, which at a million submissions
-- ran this model out of memory under a 2 GB limit and held dbt's cleaned layer near 4 GiB.
-- Raw writes each payload from its parsed submission, so its keys are unique; a payload
-- written otherwise (a key twice) is not judged here rather than failing the build.
parsed as not materialized (
    select dataset, submission_id, landed_at, form_version,
           payload ->> '$."grp_general/enumerator_id"' as enumerator_id,
           try_cast(payload as map (varchar, json)) as answered
    from checked
),

answers as (
    select s.dataset, s.submission_id, s.landed_at, s.enumerator_id, s.field_path,
           s.answer ->> '$' as value, questions.question_type, choice_lists.choice_codes
    -- the keys and the answers unnested side by side, pair by pair
    from (select *, unnest(map_keys(answered)) as field_path, unnest(map_values(answered)) as answer
          from parsed) as s
    -- an answer to no question of its version is still checked for what any text may not hold
    left join questions
        on questions.dataset = s.dataset
        and questions.version_id = s.form_version
        and questions.question_path = s.field_path
    left join choice_lists
        on choice_lists.dataset = s.dataset
        and choice_lists.version_id = s.form_version
        and choice_lists.choice_list = questions.choice_list
    where json_type(s.answer) = 'VARCHAR'
),

-- Each answer judged by every rule at once, in one pass: the rules used to be branches of
-- their own over the answers, which DuckDB then held whole, every answer of every payload.
judged as (
    select dataset, submission_id, landed_at, enumerator_id, field_path,
        list_filter([
            case when question_type = 'integer' and not regexp_full_match(trim(value), '-?[0-9]+')
                   -- a regular expression, not a cast: DuckDB would round '12.5' to 13 without a word
                   or question_type = 'decimal' and try_cast(value as double) is null
                 then {'rule': 'answer_not_a_number', 'value': left(value, 80)} end,
            case when question_type in ('integer', 'decimal') and try_cast(value as double) < 0
                 then {'rule': 'negative_number', 'value': value} end,
            case when question_type in ('date', 'today') and try_cast(value as date) is null
                   or question_type in ('start', 'end', 'datetime') and try_cast(value as timestamptz) is null
                 then {'rule': 'invalid_date', 'value': left(value, 80)} end,
            case when question_type = 'geopoint'
                  and not coalesce(try_cast(split_part(value, ' ', 1) as double) between -90 and 90
                                   and try_cast(split_part(value, ' ', 2) as double) between -180 and 180, false)
                 then {'rule': 'invalid_geopoint', 'value': left(value, 80)} end,
            case when regexp_matches(value, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]')
                 then {'rule': 'control_characters',
                       'value': left(regexp_replace(value, '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '?', 'g'), 80)} end,
            case when length(value) > 2000
                 then {'rule': 'text_too_long', 'value': length(value) || ' characters'} end
        ], finding -> finding is not null)
        -- each code of a choice question that its list (in the answer's form version) lacks
        || case when question_type in ('select_one', 'select_multiple') then
               list_transform(
                   list_filter(
                       case when question_type = 'select_multiple' then string_split(trim(value), ' ') else [value] end,
                       code -> not list_contains(coalesce(choice_codes, []), code)),
                   code -> {'rule': 'code_not_in_choices', 'value': left(code, 80)})
           else [] end
        as findings
    from answers
),

missing as (
    -- each required question without a non-blank text answer in the payload
    select parsed.dataset, parsed.submission_id, parsed.landed_at, parsed.enumerator_id,
           list_filter(required.question_paths, path -> not coalesce(
               json_type(parsed.answered[path]) = 'VARCHAR' and trim(parsed.answered[path] ->> '$') <> '', false))
               as unanswered
    from parsed
    join required on required.dataset = parsed.dataset and required.version_id = parsed.form_version
    where parsed.answered is not null
),

findings as (
    select dataset, submission_id, landed_at, enumerator_id, field_path,
           struct_extract(finding, 'rule') as rule, struct_extract(finding, 'value') as value
    from (select *, unnest(findings) as finding from judged where len(findings) > 0) as judged_answers

    union all
    select dataset, submission_id, landed_at, enumerator_id, question, 'missing_required_answer', null
    from (select *, unnest(unanswered) as question from missing where len(unanswered) > 0) as missing_answers
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
