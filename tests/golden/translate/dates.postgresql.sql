SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (leo_earnings."EmpStart" >= '2015-04-01' OR leo_earnings."EmpStart" IS NULL OR leo_earnings."EmpStart" < DATE '0100-01-01') AND leo_earnings."EmpStart" < '2016-04-01' AND leo_earnings."EmpStart" >= DATE '0100-01-01' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
