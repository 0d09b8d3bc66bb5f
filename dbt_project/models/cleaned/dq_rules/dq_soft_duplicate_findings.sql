-- Soft duplicates: a submission whose answers are nearly those of an earlier submission of
-- the same enumerator (an interview copied and a few answers changed, rather than asked).
-- Each submission is compared with the enumerator's earlier ones (lower _id) started at
-- most max_value days apart; similarity is the share of answers alike among those either
-- gives (metadata, the enumerator and consent left out; refusals not compared). At or above
-- the rule's min_value, and short of an exact copy (duplicate_submission's), the later one
-- is flagged with its nearest neighbour and the answers that differ. Runs for the forms
-- with a soft_duplicate row in ref_dq_rules, each with its own thresholds.
{%- set forms = cleaning_log_forms() %}
{%- for form in forms %}
-- depends_on: {{ ref('cln_' ~ form ~ '_corrected') }}
{%- endfor %}
-- depends_on: {{ ref('ref_dq_rules') }}
{%- set enumerator_columns = {'me_activity': 'facilitator_id'} %}
{%- set selects = [] %}
{%- if execute %}
    {%- set configured = run_query("select form, min_value, coalesce(max_value, 1) from " ~ ref('ref_dq_rules')
                                   ~ " where rule = 'soft_duplicate' order by form") %}
    {%- for form, similarity, days in configured.rows %}
        {%- if form not in forms %}
            {{ exceptions.raise_compiler_error("ref_dq_rules.csv: soft_duplicate for form " ~ form
                                               ~ ": it runs on one of the forms " ~ (forms.keys() | sort | join(', '))) }}
        {%- endif %}
        {%- set relation = ref('cln_' ~ form ~ '_corrected') %}
        {%- set enumerator = enumerator_columns.get(form, 'enumerator_id') %}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
        {%- set compared = [] %}
        {%- for name in names if name not in dq_metadata_columns([enumerator, 'has_consented']) %}
            {%- do compared.append(name) %}
        {%- endfor %}
        {%- set alike = [] %}
        {%- set given = [] %}
        {%- set differing = [] %}
        {%- for name in compared %}
            {%- do alike.append('(a."' ~ name ~ '" is not null and a."' ~ name ~ '" = b."' ~ name ~ '")::int') %}
            {%- do given.append('(a."' ~ name ~ '" is not null or b."' ~ name ~ '" is not null)::int') %}
            {%- do differing.append('case when a."' ~ name ~ '" is distinct from b."' ~ name ~ '" then \'' ~ name ~ '\' end') %}
        {%- endfor %}
        {%- set consented = 'has_consented' in names %}
        {%- do selects.append("
    select '" ~ form ~ "' as form, submission_id, earlier_id, similarity, apart, differing
    from (
        select b.submission_id, a.submission_id as earlier_id,
               (" ~ (alike | join(' + ')) ~ ") / greatest(" ~ (given | join(' + ')) ~ ", 1) as similarity,
               b.interview_started_at - a.interview_started_at as apart,
               concat_ws(', ', " ~ (differing | join(', ')) ~ ") as differing
        from " ~ relation ~ " as a
        join " ~ relation ~ " as b
            on b." ~ enumerator ~ " = a." ~ enumerator ~ " and b.submission_id > a.submission_id
            and b.interview_started_at between a.interview_started_at - to_days(" ~ days | int ~ ")
                                           and a.interview_started_at + to_days(" ~ days | int ~ ")
        " ~ ("where a.has_consented and b.has_consented" if consented else "") ~ "
    )
    where similarity >= " ~ similarity ~ " and similarity < 1
    qualify row_number() over (partition by submission_id order by similarity desc, earlier_id) = 1") %}
    {%- endfor %}
{%- endif %}

with pairs as (
    {%- if selects %}
    {{ selects | join('\n    union all') }}
    {%- else %}
    select null::varchar as form, null::bigint as submission_id, null::bigint as earlier_id, null::double as similarity,
           null::interval as apart, null::varchar as differing
    where false
    {%- endif %}
)

select
    form,
    submission_id,
    'soft_duplicate' as rule,
    cast(round(100 * similarity) as integer) || '% of the answers of submission ' || earlier_id || ' (same enumerator'
        || coalesce(', ' || cast(round(abs(epoch(apart)) / 60) as integer) || ' min apart', '') || '); differs in '
        || differing as value,
    earlier_id,
    similarity
from pairs
