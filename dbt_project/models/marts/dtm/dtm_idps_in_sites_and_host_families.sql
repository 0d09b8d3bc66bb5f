-- IDPs living on sites and IDPs living with host families, by round, prefecture and
-- sub-prefecture. On sites: the site assessments (dtm_site), summed over the sites
-- assessed in the round; with host families: the locality assessments (dtm_locality),
-- whose IDP figures count the displaced living in the community, outside sites. Either
-- side can be missing for a sub-prefecture (no site, or no locality assessed): its figures
-- are then 0 and the count of assessments says so. Assessments with a blocking
-- data-quality issue are left out on both sides; the sites' sex/age breakdown is summed
-- over the sites whose breakdown adds up (sites_with_breakdown).
with sites as (
    select
        round, admin1_pcode, admin2_pcode,
        count(*) as sites_assessed,
        sum(households) as idp_households_in_sites,
        sum(individuals) as idp_individuals_in_sites,
        count(*) filter (where breakdown_matches_total) as sites_with_breakdown,
        {%- for cell in sex_age_cells() %}
        coalesce(sum(ind_{{ cell }}) filter (where breakdown_matches_total), 0) as idp_{{ cell }}_in_sites{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('cln_dtm_site_assessments') }}
    where not has_blocking_issue
    group by round, admin1_pcode, admin2_pcode
),

host_families as (
    select
        round, admin1_pcode, admin2_pcode,
        count(*) as localities_assessed,
        sum(idp_households) as idp_households_in_host_families,
        sum(idp_individuals) as idp_individuals_in_host_families
    from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue
    group by round, admin1_pcode, admin2_pcode
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
),

joined as (
    select
        coalesce(sites.round, host_families.round) as round,
        coalesce(sites.admin1_pcode, host_families.admin1_pcode) as admin1_pcode,
        coalesce(sites.admin2_pcode, host_families.admin2_pcode) as admin2_pcode,
        coalesce(sites.sites_assessed, 0) as sites_assessed,
        coalesce(sites.idp_households_in_sites, 0) as idp_households_in_sites,
        coalesce(sites.idp_individuals_in_sites, 0) as idp_individuals_in_sites,
        coalesce(sites.sites_with_breakdown, 0) as sites_with_breakdown,
        {%- for cell in sex_age_cells() %}
        coalesce(sites.idp_{{ cell }}_in_sites, 0) as idp_{{ cell }}_in_sites,
        {%- endfor %}
        coalesce(host_families.localities_assessed, 0) as localities_assessed,
        coalesce(host_families.idp_households_in_host_families, 0) as idp_households_in_host_families,
        coalesce(host_families.idp_individuals_in_host_families, 0) as idp_individuals_in_host_families
    from sites
    full outer join host_families
        on host_families.round = sites.round and host_families.admin2_pcode = sites.admin2_pcode
)

select
    joined.round,
    joined.admin1_pcode,
    admin1.name as admin1_name,
    joined.admin2_pcode,
    admin2.name as admin2_name,
    joined.* exclude (round, admin1_pcode, admin2_pcode),
    joined.idp_households_in_sites + joined.idp_households_in_host_families as idp_households,
    joined.idp_individuals_in_sites + joined.idp_individuals_in_host_families as idp_individuals,
    round(joined.idp_individuals_in_sites
          / nullif(joined.idp_individuals_in_sites + joined.idp_individuals_in_host_families, 0), 4)
        as share_in_sites
from joined
left join admin_names as admin1 on admin1.pcode = joined.admin1_pcode
left join admin_names as admin2 on admin2.pcode = joined.admin2_pcode
