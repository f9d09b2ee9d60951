"""The message kernel: what channels, the dialogue, services and delivery say to each other.

Inbound events (`events`), outbound actions (`actions`) and the data buttons carry (`buttons`) are
plain, transport-free data. The package sits below the services and imports nothing from `bot`
except `bot.domain`, so every layer above can share it without depending on the others.
"""
