-- The English and French labels of the codes each kind's models compare answers with, one
-- row per kind, choice list and code. Every form feeding the kind gives its own labels
-- (latest version), under the reference form's list name and code (the form registry's
-- mapping: the list of the question at the mapped path, codes mapped back to the models'),
-- so the marts label what an office's own forms say; where two forms label the same code,
-- the one listed first in the registry wins.
{%- set feeding = kobo_forms_feeding_a_kind() %}
with choices as (
    select * from {{ ref('stg_kobo__form_choices') }} where is_latest_version
),

questions as (
    select * from {{ ref('stg_kobo__form_questions') }}
),

labelled as (
    {%- for dataset, form in feeding %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ form['kind'] }}' as kind,
        {{ loop.index }} as form_rank,
        coalesce(reference_lists.reference_list, choices.choice_list) as choice_list,
        choices.choice_code as form_code,
        choices.label_en,
        choices.label_fr
    from choices
    left join (
        select distinct questions.choice_list as form_list, mapped.reference_list
        from questions
        join (values {% for path, list in form.get('lists', {}).items() %}('{{ path }}', '{{ list }}'){% if not loop.last %}, {% endif %}{% endfor %}{% if not form.get('lists') %}(null, null){% endif %})
            as mapped (question_path, reference_list)
            on questions.question_path = mapped.question_path
        where questions.dataset = '{{ dataset }}' and questions.choice_list is not null
    ) as reference_lists on reference_lists.form_list = choices.choice_list
    where choices.dataset = '{{ dataset }}'
    {%- endfor %}
    {%- if not feeding %}
    select null::varchar as kind, null::integer as form_rank, null::varchar as choice_list,
           null::varchar as form_code, null::varchar as label_en, null::varchar as label_fr
    where false
    {%- endif %}
),

recoded as (
    select
        kind,
        form_rank,
        choice_list,
        {%- set recodes = [] %}
        {%- for dataset, form in feeding %}
        {%- set rank = loop.index %}
        {%- for list, codes in form.get('list_codes', {}).items() %}
        {%- for code, model in codes.items() %}
        {%- do recodes.append((rank, list, code, model)) %}
        {%- endfor %}
        {%- endfor %}
        {%- endfor %}
        {%- if recodes %}
        case
            {%- for rank, list, code, model in recodes %}
            when form_rank = {{ rank }} and choice_list = '{{ list }}' and form_code = '{{ code }}' then '{{ model }}'
            {%- endfor %}
            else form_code
        end as choice_code,
        {%- else %}
        form_code as choice_code,
        {%- endif %}
        label_en,
        label_fr
    from labelled
)

select kind, choice_list, choice_code, label_en, label_fr
from recoded
qualify row_number() over (partition by kind, choice_list, choice_code order by form_rank) = 1
