{#- The perception survey's Likert items: Kobo path, column name, and the index (domain) each
    core item belongs to. An item with domain none is reported on its own and is not part of
    an index (ta_security_forces, added in version 2). Items and domains are the programme's
    results framework's definition: change them here, with the M&E officer. -#}
{% macro perception_items() -%}
    {{ return([
        {'name': 'sc_trust_other_groups', 'path': 'grp_cohesion/sc_trust_other_groups', 'domain': 'social_cohesion'},
        {'name': 'sc_accept_neighbour', 'path': 'grp_cohesion/sc_accept_neighbour', 'domain': 'social_cohesion'},
        {'name': 'sc_joint_activities', 'path': 'grp_cohesion/sc_joint_activities', 'domain': 'social_cohesion'},
        {'name': 'sc_disputes_peaceful', 'path': 'grp_cohesion/sc_disputes_peaceful', 'domain': 'social_cohesion'},
        {'name': 'ta_trust_local', 'path': 'grp_trust/ta_trust_local', 'domain': 'trust_local_authorities'},
        {'name': 'ta_responsive', 'path': 'grp_trust/ta_responsive', 'domain': 'trust_local_authorities'},
        {'name': 'ta_fair', 'path': 'grp_trust/ta_fair', 'domain': 'trust_local_authorities'},
        {'name': 'ta_security_forces', 'path': 'grp_trust/ta_security_forces', 'domain': none},
    ]) }}
{%- endmacro %}

{#- English and French names of the indices. -#}
{% macro perception_domains() -%}
    {{ return({
        'social_cohesion': ('Social cohesion', 'Cohésion sociale'),
        'trust_local_authorities': ('Trust in local authorities', 'Confiance envers les autorités locales'),
    }) }}
{%- endmacro %}

{#- The answers of the perception survey as one row per interview and item: answer_code as
    Kobo stores it, score 1-5 (null for "don't know" and for an item not asked). -#}
{% macro perception_answers(relation) -%}
    {%- for item in perception_items() %}
    select submission_id, '{{ item.name }}' as item,
           {{ "'" ~ item.domain ~ "'" if item.domain else 'null' }} as domain,
           {{ item.name }} as answer_code,
           try_cast({{ item.name }} as integer) as score
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
