"""What the evidence says: filters, the combining rule, summaries, synthesis and statistics, patient
matching, search and the brief's content. Pure: no printing, no I/O."""
