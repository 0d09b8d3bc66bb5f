-- The English and French labels of the questions of each kind's reference form, as the forms
-- feeding the kind word them: one row per kind and reference question name, from the
-- question at the path the form registry maps it to (latest version first); where two forms
-- word it, the one listed first in the registry wins.
{%- set feeding = kobo_forms_feeding_a_kind() %}
with questions as (
    select * from {{ ref('stg_kobo__form_questions') }}
),

worded as (
    {%- for dataset, form in feeding %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ form['kind'] }}' as kind,
        {{ loop.index }} as form_rank,
        {%- if form.get('questions') %}
        case question_path
            {%- for path, name in form['questions'].items() %}
            when '{{ path }}' then '{{ name }}'
            {%- endfor %}
            else question_name
        end as question_name,
        {%- else %}
        question_name,
        {%- endif %}
        version_deployed_at,
        label_en,
        label_fr
    from questions
    where dataset = '{{ dataset }}'
    {%- endfor %}
    {%- if not feeding %}
    select null::varchar as kind, null::integer as form_rank, null::varchar as question_name,
           null::timestamp as version_deployed_at, null::varchar as label_en, null::varchar as label_fr
    where false
    {%- endif %}
)

select kind, question_name, label_en, label_fr
from worded
qualify row_number() over (partition by kind, question_name order by form_rank asc, version_deployed_at desc nulls last) = 1
