-- The IDPs of each site by sex and age group in each round (the profile's pyramid): one row
-- per site, round and DTM age group, with the group's females and males and their shares of
-- the site's IDPs. Only sites whose sex/age breakdown adds up to their individuals
-- (dtm_sites.breakdown_matches_total) are here.
with sites as (
    select * from {{ ref('dtm_sites') }}
    where breakdown_matches_total
),

age_groups as (
    -- the alias names the values' columns
    select * from (values ('0_5', 1), ('6_17', 2), ('18_59', 3), ('60', 4)) as groups (age_group, age_group_order)  -- noqa: AL05
),

by_group as (
    select
        sites.round,
        sites.site_id,
        sites.admin2_pcode,
        age_groups.age_group,
        age_groups.age_group_order,
        case age_groups.age_group
            {%- for group in ['0_5', '6_17', '18_59', '60'] %}
            when '{{ group }}' then sites.ind_f_{{ group }}
            {%- endfor %}
        end as female_individuals,
        case age_groups.age_group
            {%- for group in ['0_5', '6_17', '18_59', '60'] %}
            when '{{ group }}' then sites.ind_m_{{ group }}
            {%- endfor %}
        end as male_individuals,
        sites.individuals as site_individuals
    from sites
    cross join age_groups
)

select
    round,
    site_id,
    admin2_pcode,
    age_group,
    age_group_order,
    {{ age_group_label('age_group', 'en') }} as age_group_label_en,
    {{ age_group_label('age_group', 'fr') }} as age_group_label_fr,
    female_individuals,
    male_individuals,
    female_individuals + male_individuals as individuals,
    site_individuals,
    round(female_individuals / nullif(site_individuals, 0), 4) as share_female,
    round(male_individuals / nullif(site_individuals, 0), 4) as share_male
from by_group
