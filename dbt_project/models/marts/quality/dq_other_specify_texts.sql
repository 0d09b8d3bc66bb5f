-- The texts given with an "other" answer (other_specify_questions), most frequent first,
-- for the officer deciding what to recode: per form, question and text (spellings that
-- differ only in case, accents or spaces together), how many submissions gave it, how many
-- are still "other" and how many the cleaning log recoded, to which codes.
with answers as (
    {%- set selects = [] %}
    {%- for form, questions in other_specify_questions().items() %}
    {%- for question in questions %}
    {%- do selects.append("select '" ~ form ~ "' as form, '" ~ question.choice ~ "' as question, staged.submission_id,
           staged.submitted_at, trim(staged." ~ question.text ~ ") as other_text, corrected." ~ question.choice ~ " as answer_now
    from " ~ ref(cleaning_log_forms()[form]) ~ " as staged
    join " ~ ref('cln_' ~ form ~ '_corrected') ~ " as corrected using (submission_id)
    where staged." ~ question.choice ~ " = 'other' and trim(staged." ~ question.text ~ ") <> ''") %}
    {%- endfor %}
    {%- endfor %}
    {{ selects | join('\n    union all\n    ') }}
),

keyed as (
    select *, lower(regexp_replace(strip_accents(other_text), '\s+', ' ', 'g')) as text_key from answers
)

select
    form,
    question,
    text_key,
    mode(other_text) as other_text,
    count(distinct other_text) as spellings,
    count(*) as answers,
    count(*) filter (where answer_now = 'other') as still_other,
    count(*) filter (where answer_now is distinct from 'other') as recoded,
    coalesce(list(distinct answer_now order by answer_now) filter (where answer_now <> 'other'), [])
        as recoded_to,
    max(submitted_at) as last_submitted_at
from keyed
group by form, question, text_key
order by form asc, question asc, answers desc, text_key asc
