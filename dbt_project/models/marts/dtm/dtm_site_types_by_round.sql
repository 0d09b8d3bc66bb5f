-- IDP sites by type in each round (dtm_sites added up): sites, sites with a management
-- agency, and the households and individuals living on them; the situation report's table.
select
    round,
    site_type,
    any_value(site_type_label_en) as site_type_label_en,
    any_value(site_type_label_fr) as site_type_label_fr,
    count(*) as sites,
    count(*) filter (where is_managed) as managed_sites,
    sum(households)::bigint as households,
    sum(individuals)::bigint as individuals
from {{ ref('dtm_sites') }}
group by round, site_type
