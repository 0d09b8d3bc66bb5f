-- Services and gaps of each IDP site in each round (the profile's services table): one row
-- per site, round and service of the form's list, whether the site has it, beside how many
-- of the prefecture's sites assessed that round have it (dtm_site_services).
select
    sites.round,
    sites.site_id,
    sites.admin1_pcode,
    services.service,
    services.service_label_en,
    services.service_label_fr,
    list_contains(sites.services_available, services.service) as is_available,
    services.sites_with_service as prefecture_sites_with_service,
    services.sites_assessed as prefecture_sites_assessed,
    services.share_of_sites as prefecture_share_of_sites
from {{ ref('dtm_sites') }} as sites
join {{ ref('dtm_site_services') }} as services
    on services.round = sites.round and services.admin1_pcode = sites.admin1_pcode
