"""Reading words in any text: dates as people write them, citation marks, and lines that give an
assistant orders. Shared by the loaders, the writers and the checks; knows nothing of them."""
