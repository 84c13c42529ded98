module modpy

go 1.26.8
