"""CRM summaries (queue ``ai.summary``): a lead's or an opportunity's notes, activities and e-mails
summarised offline (extractive) or by an OpenAI-compatible chat model, stored per subject and shown
on the record pages."""
