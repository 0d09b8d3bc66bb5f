-- Services on IDP sites by round and prefecture: how many of the assessed sites have each
-- service of the form's list, and their share. Every service appears, with 0 where no site
-- has it. Assessments with a blocking data-quality issue are left out.
with assessments as (
    select * from {{ ref('cln_dtm_site_assessments') }}
    where not has_blocking_issue
),

services as (
    select choice_code as service, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'dtm_site' and choice_list = 'service'
),

areas as (
    select round, admin1_pcode, admin1_name, count(*) as sites_assessed
    from assessments
    group by round, admin1_pcode, admin1_name
)

select
    areas.round,
    areas.admin1_pcode,
    areas.admin1_name,
    services.service,
    services.label_en as service_label_en,
    services.label_fr as service_label_fr,
    count(assessments.submission_id) as sites_with_service,
    areas.sites_assessed,
    round(count(assessments.submission_id) / areas.sites_assessed, 4) as share_of_sites
from areas
cross join services
left join assessments
    on assessments.round = areas.round
    and assessments.admin1_pcode = areas.admin1_pcode
    and list_contains(assessments.services_available, services.service)
group by areas.round, areas.admin1_pcode, areas.admin1_name, services.service, services.label_en,
         services.label_fr, areas.sites_assessed
