-- Make the attached snapshot the default database of a cursor.
use serving
