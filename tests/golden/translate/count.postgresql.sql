SELECT count(*) AS "N" 
FROM (SELECT leo_earnings."TaxYear" AS "TaxYear" 
FROM leo_earnings 
WHERE leo_earnings."TaxYear" > 201516 OR leo_earnings."TaxYear" IS NULL) AS src
