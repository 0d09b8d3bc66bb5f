-- The DTM's two assessments against each other, per round and sub-prefecture: the IDPs the
-- locality assessments report living on displacement sites in their localities against the
-- IDPs the site assessment counted on the sites of that sub-prefecture (each without a
-- blocking issue). Two teams counting the same people apart: a sub-prefecture where one
-- figure is more than max_value times the other, or where one side reports sites' IDPs and
-- the other none, means a site was missed or assessed in the wrong sub-prefecture, or a
-- locality reported its whole area: rule sites_disagree_with_localities of ref_dq_rules,
-- for the officer to look at both. Only rounds whose locality form asks are compared.
with threshold as (
    select coalesce(max_value, 1.5) as max_ratio
    from {{ ref('ref_dq_rules') }}
    where form = 'dtm_locality' and rule = 'sites_disagree_with_localities'
),

localities as (
    select round, admin1_pcode, admin2_pcode, count(*) as localities_reporting,
           sum(idp_on_sites) as idps_reported_by_localities
    from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue and idp_on_sites is not null
    group by all
),

sites as (
    select round, admin1_pcode, admin2_pcode, count(*) as sites_assessed, sum(individuals) as idps_counted_on_sites
    from {{ ref('cln_dtm_site_assessments') }}
    where not has_blocking_issue and round in (select round from localities)
    group by all
),

compared as (
    select
        round, admin1_pcode, admin2_pcode,
        coalesce(localities.localities_reporting, 0) as localities_reporting,
        coalesce(localities.idps_reported_by_localities, 0) as idps_reported_by_localities,
        coalesce(sites.sites_assessed, 0) as sites_assessed,
        coalesce(sites.idps_counted_on_sites, 0) as idps_counted_on_sites
    from localities
    full join sites using (round, admin1_pcode, admin2_pcode)
)

select
    compared.round,
    compared.admin1_pcode,
    compared.admin2_pcode,
    admin2.name as admin2_name,
    compared.localities_reporting,
    compared.idps_reported_by_localities,
    compared.sites_assessed,
    compared.idps_counted_on_sites,
    compared.idps_reported_by_localities / nullif(compared.idps_counted_on_sites, 0) as reported_per_counted,
    case
        when compared.idps_counted_on_sites = 0 then 'the localities report IDPs on sites, no site was assessed'
        when compared.idps_reported_by_localities = 0 then 'sites were assessed, the localities report no IDPs on sites'
        when compared.idps_reported_by_localities > threshold.max_ratio * compared.idps_counted_on_sites
            then 'the localities report more IDPs on sites than the sites hold'
        when compared.idps_counted_on_sites > threshold.max_ratio * compared.idps_reported_by_localities
            then 'the sites hold more IDPs than the localities report'
    end as finding,
    finding is not null as is_inconsistent
from compared
cross join threshold
left join {{ ref('ref_admin_pcodes') }} as admin2 on admin2.pcode = compared.admin2_pcode
where compared.idps_reported_by_localities > 0 or compared.idps_counted_on_sites > 0
order by compared.round, compared.admin2_pcode
